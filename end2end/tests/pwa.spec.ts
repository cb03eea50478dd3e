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
