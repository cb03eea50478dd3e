import { expect, test } from '@playwright/test';
import { hydrated } from './helpers';

// A first visit's page, JS and WASM travel compressed (Brotli, or gzip for a browser
// without it), and the bytes of JS and WASM on the wire are measured. The goal is 250 KB; until the WASM is split by route the ceiling guards
// against a regression of what compression already gives (510 KB with Brotli, about 740 KB with gzip).
test('a first visit downloads its JS and WASM compressed', async ({ page }) => {
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
  expect(total).toBeLessThan(800 * 1024);
});
