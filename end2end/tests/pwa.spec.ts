import { expect, test } from '@playwright/test';
import { hydrated } from './helpers';

test('the manifest is linked and installable, and the service worker is registered', async ({ page, request }) => {
  await page.goto('/');
  await hydrated(page);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const res = await request.get(href!);
  expect(res.ok()).toBeTruthy();
  const manifest = await res.json();
  expect(manifest.name).toBe('Taquilla');
  expect(manifest.display).toBe('standalone');
  expect(manifest.start_url).toBe('/');
  const sizes = manifest.icons.map((i: { sizes: string }) => i.sizes);
  expect(sizes).toContain('192x192');
  expect(sizes).toContain('512x512');
  expect(manifest.icons.some((i: { purpose?: string }) => (i.purpose || '').includes('maskable'))).toBeTruthy();
  for (const icon of manifest.icons) {
    expect((await request.get(icon.src)).ok(), icon.src).toBeTruthy();
  }

  const scope = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.scope;
  });
  expect(scope).toMatch(/\/$/);

  // Chromium's own verdict on installability. Playwright's contexts are incognito,
  // which Chromium reports on its own; every other criterion must pass.
  await page.reload();
  await hydrated(page);
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  const problems = installabilityErrors.filter((e: { errorId: string }) => e.errorId !== 'in-incognito');
  expect(problems).toEqual([]);
});

test('navigations the network cannot reach get the offline page', async ({ page, context }) => {
  await page.goto('/');
  await hydrated(page);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBeTruthy();
  await context.setOffline(true);
  await page.goto('/account').catch(() => undefined);
  await expect(page.getByRole('heading', { name: /offline/i })).toBeVisible();
  // Its script runs under the page's CSP: back online, it tries again by itself.
  await context.setOffline(false);
  await expect(page.getByRole('heading', { name: /offline/i })).toBeHidden();
  await expect(page).toHaveURL(/\/(account|login)/);
});

test("the service worker serves this build's files and names its caches after it", async ({ page, request }) => {
  const res = await request.get('/sw.js');
  expect(res.ok()).toBeTruthy();
  expect(res.headers()['cache-control']).toBe('no-cache');
  const script = await res.text();
  const build = script.match(/const BUILD = '([^']+)';/)?.[1];
  expect(build, 'the release build has content hashes').toBeTruthy();
  expect(build).not.toBe('dev');
  const files = [...(script.match(/const BUILD_FILES = \[([^\]]*)\];/)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
  expect(files.some((f) => f.endsWith('.wasm'))).toBeTruthy();
  for (const file of files) expect((await request.get(file)).ok(), file).toBeTruthy();

  await page.goto('/');
  await hydrated(page);
  const kept = await page.evaluate(async (build) => {
    await navigator.serviceWorker.ready;
    const names = await caches.keys();
    const staticCache = names.find((n) => n.startsWith('taquilla-static-') && n.endsWith(build));
    if (!staticCache) return { names, files: [] as string[] };
    const cache = await caches.open(staticCache);
    return { names, files: (await cache.keys()).map((r) => new URL(r.url).pathname) };
  }, build!);
  // The page that loaded them is this build's: its main files are kept for offline use.
  expect(kept.names.every((n) => !n.startsWith('taquilla-static-') || n.endsWith(build!))).toBeTruthy();
  for (const file of files) expect(kept.files, file).toContain(file);
  // And the app's empty frame, which the user's own pages open in while offline.
  expect(kept.files).toContain('/app-shell');
});

test('holding and buying seats say they need a connection while offline', async ({ page, context }) => {
  await page.goto('/events/carmen');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Choose your seats' })).toBeVisible();
  await expect(page.getByTestId('needs-connection')).toHaveCount(0);
  await context.setOffline(true);
  await expect(page.getByRole('alert').filter({ hasText: 'Holding and buying seats need a connection' })).toBeVisible();
  await context.setOffline(false);
  await expect(page.getByTestId('needs-connection')).toHaveCount(0);
});
