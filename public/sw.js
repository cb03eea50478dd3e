/* Taquilla service worker (hand-written, no build step).
 *
 * Served at /sw.js so that its scope is the whole site. Register it from the
 * hydrated app with:
 *   navigator.serviceWorker.register('/sw.js', { scope: '/' })
 *
 * Caches (all prefixed "taquilla-", suffixed with VERSION):
 *   precache  the offline page, the manifest and the icons, fetched on install
 *   static    /pkg/ (JS, WASM, CSS from cargo-leptos) and /icons/, filled on demand
 *   pages     copies of public HTML pages the user opened, for offline navigation
 *   door      the door's pages as last shown to the signed-in user, so that a door
 *             device reloads its page offline (the scanning itself runs from IndexedDB)
 *
 * The app's empty frame (/app-shell, rendered for nobody, one per language) is kept
 * with the build's files. A navigation to one of the user's own pages that the device
 * keeps data for (/tickets, /orders, /notifications, /support) is answered with it while
 * offline: the browser draws that page from IndexedDB (database taquilla-mine).
 *
 * Never stored, by any strategy: an answer whose Cache-Control says no-store or
 * private. The server sends no-store on every /api/ answer, on the personal pages
 * (account, orders, tickets, checkout, organizer, admin) and on every page rendered
 * for a signed-in visitor, so a signed-in user's pages never land in a cache (the
 * worker cannot read the HttpOnly session cookie; the header is what it goes by).
 * Navigations to the personal paths are not stored even without the header. The one
 * exception is the door's pages (/door...): their HTML is a frame the browser fills from
 * the device's own data, and the door must reopen offline; they are kept apart, in the
 * "door" cache, and go with the user's other data on logout.
 *
 * Strategies:
 *   /api/ and anything not GET or not same-origin: not handled (network only)
 *   navigations: network first; a good, storable answer is copied to "pages"
 *     (an unstorable one removes any older copy of that page); offline answers
 *     the cached copy of that page, else the offline page in the visitor's language
 *   /pkg/ files whose name carries a content hash (cargo-leptos hash-files),
 *     /icons/ and /sounds/: cache first, stored on a miss
 *   /pkg/ files without a hash: network first, cache as fallback (their URL
 *     does not change between releases, so cache first would pin old code)
 *   other same-origin GETs: network, cache as fallback
 *
 * The server serves this file at /sw.js with BUILD and BUILD_FILES filled in: the build's
 * id (its files' content hashes) and the files every page of it loads. Every cache but the
 * precache is named after the build, so a new build's worker, once active, drops the old
 * build's files and the pages that name them (no stale mix), and it keeps the new build's
 * main files from its install on. The door's kept pages go too: a door device opens its
 * page online once after an upgrade.
 *
 * Bump VERSION when this file or the precache list changes; activate removes
 * every other "taquilla-" cache. (v2: caches of v1 may hold signed-in pages; v3: one offline page per language;
 * v4: the offline page's script is a file of its own; v5: the door's pages and sounds;
 * v6: caches named after the build; v7: the app's frame for the user's kept pages.)
 *
 * Messages the page may post to the worker:
 *   { type: 'SKIP_WAITING' }  activate a waiting worker now
 *   { type: 'CLEAR_PAGES' }   forget cached pages and the user's IndexedDB data
 *                             (call on logout: they may
 *                             hold the signed-in user's data)
 */
'use strict';

const VERSION = 'v7';
// Filled in by the server (see above); as written, a build without content hashes.
const BUILD = 'dev';
const BUILD_FILES = [];
const PREFIX = 'taquilla-';
const PRECACHE = `${PREFIX}precache-${VERSION}`;
const STATIC_CACHE = `${PREFIX}static-${VERSION}-${BUILD}`;
const PAGES_CACHE = `${PREFIX}pages-${VERSION}-${BUILD}`;
const DOOR_CACHE = `${PREFIX}door-${VERSION}-${BUILD}`;
const CURRENT_CACHES = [PRECACHE, STATIC_CACHE, PAGES_CACHE, DOOR_CACHE];

// The offline page, one copy per language; the one shown is in the language of the last
// page the network answered (its Content-Language), else the browser's.
const LANGUAGES = ['es', 'en'];
const offlineUrl = (lang) => `/offline.html?lang=${lang}`;
let pageLanguage = null;
function offlineLanguage() {
  const wanted = (pageLanguage || (self.navigator && self.navigator.language) || 'es').slice(0, 2).toLowerCase();
  return LANGUAGES.includes(wanted) ? wanted : LANGUAGES[0];
}
const PRECACHE_URLS = [
  ...LANGUAGES.map(offlineUrl),
  '/offline.js',
  '/manifest.webmanifest',
  '/favicon.svg',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/maskable-192.png',
  '/icons/maskable-512.png',
  '/icons/apple-touch-icon.png',
  '/sounds/admit.wav',
  '/sounds/stop.wav',
];

// IndexedDB databases that hold a signed-in user's data, deleted on logout.
const USER_DATABASES = ['taquilla-door', 'taquilla-mine'];

// The user's own pages drawn offline from the device's copy, in the app's frame.
const KEPT_PREFIXES = ['/tickets', '/orders', '/notifications', '/support'];
const shellUrl = (lang) => `/app-shell?lang=${lang}`;

function deleteDatabases(names) {
  return Promise.all(
    names.map(
      (name) =>
        new Promise((resolve) => {
          const request = indexedDB.deleteDatabase(name);
          request.onsuccess = request.onerror = request.onblocked = () => resolve();
        })
    )
  );
}

// Most pages kept in the pages cache; the oldest are dropped first.
const MAX_PAGES = 60;

// Pages that belong to one person: never stored, whatever their headers say.
const PERSONAL_PREFIXES = ['/account', '/orders', '/tickets', '/checkout', '/organizer', '/admin'];

// Paths never answered by the worker, whatever the method.
const NETWORK_ONLY_PREFIXES = ['/api/', '/health/', '/metrics', '/stream'];

// cargo-leptos with hash-files = true names files <stem>.<22-char base64url md5>.<ext>,
// e.g. taquilla.G5bJ2x1d8kA9b0cFz-Qw_A.wasm
const HASHED_NAME = /\.[A-Za-z0-9_-]{16,}\.(?:js|wasm|css|mjs)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(PRECACHE);
      // cache: 'reload' skips the HTTP cache so a new version gets fresh files.
      await cache.addAll(PRECACHE_URLS.map((url) => new Request(url, { cache: 'reload' })));
      const staticCache = await caches.open(STATIC_CACHE);
      try {
        // The build's main files: its pages start offline too. Named by their content,
        // so the HTTP cache may answer.
        await staticCache.addAll(BUILD_FILES);
      } catch (_) {
        /* fetched on demand instead */
      }
      // The app's frame in each language, for nobody (no cookie): it names this build's
      // files, so it is kept with them.
      await Promise.all(
        LANGUAGES.map(async (lang) => {
          try {
            const response = await fetch('/app-shell', { credentials: 'omit', cache: 'reload', headers: { 'Accept-Language': lang } });
            if (isStorable(response)) await staticCache.put(shellUrl(lang), response);
          } catch (_) {
            /* the user's pages then answer the offline page while offline */
          }
        })
      );
      await self.skipWaiting();
    })()
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(PREFIX) && !CURRENT_CACHES.includes(name))
          .map((name) => caches.delete(name))
      );
      if (self.registration.navigationPreload) {
        try {
          await self.registration.navigationPreload.enable();
        } catch (_) {
          /* not supported: plain fetch is used */
        }
      }
      await self.clients.claim();
    })()
  );
});

self.addEventListener('message', (event) => {
  const type = event.data && event.data.type;
  if (type === 'SKIP_WAITING') {
    self.skipWaiting();
  } else if (type === 'CLEAR_PAGES') {
    // The user's data kept for offline use goes with them: pages, and the door's database.
    event.waitUntil(Promise.all([caches.delete(PAGES_CACHE), caches.delete(DOOR_CACHE), deleteDatabases(USER_DATABASES)]));
  }
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;

  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NETWORK_ONLY_PREFIXES.some((p) => url.pathname.startsWith(p))) return;
  if (request.headers.has('range')) return;
  const accept = request.headers.get('accept') || '';
  if (accept.includes('text/event-stream')) return;

  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
    return;
  }

  if (url.pathname.startsWith('/pkg/')) {
    event.respondWith(
      HASHED_NAME.test(url.pathname) ? cacheFirst(request, STATIC_CACHE) : networkFirst(request, STATIC_CACHE)
    );
    return;
  }

  if (url.pathname.startsWith('/icons/') || url.pathname.startsWith('/sounds/')) {
    event.respondWith(cacheFirst(request, STATIC_CACHE));
    return;
  }

  // Everything else (favicon, manifest, robots.txt, ...): network, then any cached copy.
  event.respondWith(
    fetch(request).catch(async () => (await caches.match(request)) || offlineResponse())
  );
});

/** Network first for page loads; cached copy, then the offline page, when the network fails. */
async function navigate(event) {
  const request = event.request;
  let preloaded;
  try {
    preloaded = await event.preloadResponse;
  } catch (_) {
    /* the preload failed (cancelled as the worker took over, say): ask once more */
  }
  try {
    const response = preloaded || (await fetch(request));
    const language = response && response.headers.get('content-language');
    if (language) pageLanguage = language;
    if (isCacheablePage(request, response)) {
      const copy = response.clone();
      event.waitUntil(storePage(request, copy));
    } else if (isDoorPage(request, response)) {
      const copy = response.clone();
      event.waitUntil(storeDoorPage(request, copy));
    } else if (response && response.ok) {
      event.waitUntil(forgetPage(request));
    }
    return response;
  } catch (_) {
    const pathname = new URL(request.url).pathname;
    if (isKeptPath(pathname)) {
      const shell = await caches.match(shellUrl(offlineLanguage()), { cacheName: STATIC_CACHE });
      if (shell) return shell;
    }
    const cache = await caches.open(isDoorPath(pathname) ? DOOR_CACHE : PAGES_CACHE);
    const cached = (await cache.match(request, { ignoreVary: true })) || (await cache.match(pageKey(request)));
    if (cached) return cached;
    return (await caches.match(offlineUrl(offlineLanguage()))) || offlineResponse();
  }
}

/** Whether a response may be kept in any cache: not no-store, not private. */
function isStorable(response) {
  if (!response || !response.ok || response.type !== 'basic') return false;
  const cc = (response.headers.get('cache-control') || '').toLowerCase();
  return !/(^|[\s,])(no-store|private)([\s,=]|$)/.test(cc);
}

function isPersonalPath(pathname) {
  return PERSONAL_PREFIXES.some((p) => pathname === p || pathname.startsWith(p + '/'));
}

function isCacheablePage(request, response) {
  if (!isStorable(response) || response.redirected) return false;
  if (isPersonalPath(new URL(request.url).pathname)) return false;
  const ct = (response.headers.get('content-type') || '').toLowerCase();
  return ct.includes('text/html');
}

function isKeptPath(pathname) {
  return KEPT_PREFIXES.some((p) => pathname === p || pathname.startsWith(p + '/'));
}

function isDoorPath(pathname) {
  return pathname === '/door' || pathname.startsWith('/door/');
}

/** A door page as the server rendered it for its signed-in user (no-store by the rule above). */
function isDoorPage(request, response) {
  if (!response || !response.ok || response.type !== 'basic' || response.redirected) return false;
  if (!isDoorPath(new URL(request.url).pathname)) return false;
  return (response.headers.get('content-type') || '').toLowerCase().includes('text/html');
}

async function storeDoorPage(request, response) {
  try {
    const cache = await caches.open(DOOR_CACHE);
    await cache.put(pageKey(request), response);
  } catch (_) {
    /* quota or private mode: the page still worked online */
  }
}

/** Pages are stored under their URL without the fragment. */
function pageKey(request) {
  const url = new URL(request.url);
  url.hash = '';
  return url.href;
}

async function storePage(request, response) {
  try {
    const cache = await caches.open(PAGES_CACHE);
    const key = pageKey(request);
    await cache.delete(key);
    await cache.put(key, response);
    const keys = await cache.keys();
    // keys() lists in insertion order; the delete above moves a revisited page to the end.
    for (let i = 0; i < keys.length - MAX_PAGES; i++) {
      await cache.delete(keys[i]);
    }
  } catch (_) {
    /* quota or private mode: the page still worked online */
  }
}

/** Drops the stored copy of a page the server now says must not be kept. */
async function forgetPage(request) {
  try {
    const cache = await caches.open(PAGES_CACHE);
    await cache.delete(pageKey(request));
  } catch (_) {
    /* nothing stored */
  }
}

/** Cache first, stored on a miss. */
async function cacheFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request);
  if (cached) return cached;
  const precached = await caches.match(request, { cacheName: PRECACHE });
  if (precached) return precached;
  const response = await fetch(request);
  if (isStorable(response)) {
    try {
      await cache.put(request, response.clone());
    } catch (_) {
      /* quota: serve without caching */
    }
  }
  return response;
}

/** Network first, refreshing the cache; the cached copy when the network fails. */
async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (isStorable(response)) {
      try {
        await cache.put(request, response.clone());
      } catch (_) {
        /* quota: serve without caching */
      }
    }
    return response;
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw err;
  }
}

function offlineResponse() {
  return new Response('You are offline.', {
    status: 503,
    statusText: 'Offline',
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });
}
