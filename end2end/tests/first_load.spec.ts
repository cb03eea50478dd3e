import { expect, test } from '@playwright/test';
import { hydrated } from './helpers';

// A first visit's page, JS and WASM travel compressed (Brotli, or gzip for a browser
// without it), and a customer's first visit to the home page carries little JS and WASM on
// the wire: every page but the home page comes in a WASM chunk of its own. The goal is
// 250 KB.
test('a first visit downloads at most 250 KB of JS and WASM, compressed', async ({ page }) => {
  const assets: { url: string; encoding: string; wire: number }[] = [];
  page.on('requestfinished', async (request) => {
    const url = request.url();
    if (!/\.(js|wasm)$/.test(new URL(url).pathname)) return;
    const response = await request.response();
    if (!response) return;
    const sizes = await request.sizes();
    assets.push({ url, encoding: (await response.allHeaders())['content-encoding'] || 'identity', wire: sizes.responseBodySize });
  });
  const documentResponse = await page.goto('/');
  // The page itself is compressed on the fly.
  expect(['br', 'gzip']).toContain((await documentResponse!.allHeaders())['content-encoding']);
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  const wasm = assets.filter((a) => a.url.endsWith('.wasm'));
  expect(wasm.length).toBeGreaterThan(0);
  for (const a of assets) {
    expect(['br', 'gzip'], a.url).toContain(a.encoding);
  }
  const total = assets.reduce((sum, a) => sum + a.wire, 0);
  test.info().annotations.push({ type: 'first-load JS + WASM', description: `${(total / 1024).toFixed(0)} KB on the wire` });
  console.log(`first load: ${(total / 1024).toFixed(0)} KB of JS + WASM on the wire (${assets.length} files)`);
  expect(total).toBeLessThanOrEqual(250 * 1024);
});

// The other pages' code arrives when a page is first shown: a client-side navigation
// from the catalog to the login page fetches its chunk, and the page works.
test('a page outside the catalog fetches its own chunk when first shown', async ({ page }) => {
  const wasm: string[] = [];
  page.on('requestfinished', (request) => {
    if (new URL(request.url()).pathname.endsWith('.wasm')) wasm.push(request.url());
  });
  await page.goto('/');
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  const firstVisit = wasm.length;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await expect.poll(() => wasm.length).toBeGreaterThan(firstVisit);
  // Hydrated and live: a wrong password gets the server's answer in the page.
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
});

// A visit that starts on a page outside the catalog: the HTML asks for that page's chunk
// files to be preloaded, and the page hydrates and works.
test('a visit starting on a lazy page preloads its chunk', async ({ page }) => {
  const html = await (await page.request.get('/login')).text();
  const chunks = [...html.matchAll(/<link [^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => /rel="preload"/.test(tag) && /href="[^"]+\.wasm"/.test(tag));
  // The main module, and the login page's own file among its chunk's.
  expect(chunks.length).toBeGreaterThan(1);
  expect(chunks.some((tag) => /login_route_view/.test(tag))).toBe(true);
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill('nobody-else@example.com');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
});
