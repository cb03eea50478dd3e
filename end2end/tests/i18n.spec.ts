import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { hydrated } from './helpers';

/** The first event of the catalog's list, by its link. */
async function firstEventPath(page: Page): Promise<string> {
  await page.goto('/events');
  const href = await page.locator('article a[href^="/events/"]').first().getAttribute('href');
  expect(href).toBeTruthy();
  return href as string;
}

test.describe('a browser that asks for Spanish', () => {
  test.use({ locale: 'es-ES' });

  test('sees every page in Spanish, with Spanish money and dates', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'es');
    const nav = page.getByRole('navigation', { name: 'Principal' });
    await expect(nav.getByRole('link', { name: 'Eventos' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Iniciar sesión' })).toBeVisible();
    await hydrated(page);
    // Hydration keeps the server's language: no flash of English.
    await expect(nav.getByRole('link', { name: 'Eventos' })).toBeVisible();

    const event = await firstEventPath(page);
    await page.goto(event);
    await hydrated(page);
    // "65,00 €" and "lun, 7 dic 2026, 20:00": a comma before the cents, the euro after.
    await expect(page.locator('main').getByText(/\d,\d\d\s€/).first()).toBeVisible();
    await expect(page.locator('main').getByText(/(lun|mar|mié|jue|vie|sáb|dom), \d{1,2} [a-z]{3,4} \d{4}, \d\d:\d\d/).first()).toBeVisible();
  });

  test('switching to English sticks across pages and reloads', async ({ page }) => {
    await page.goto('/events');
    await expect(page.locator('html')).toHaveAttribute('lang', 'es');
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page).toHaveURL(/\/events$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Events' })).toBeVisible();

    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(nav.getByRole('link', { name: 'Log in' })).toBeVisible();
    await hydrated(page);
    await nav.getByRole('link', { name: 'Events' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');

    // And back.
    await page.getByRole('button', { name: 'Español' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'es');
    await expect(page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Eventos' })).toBeVisible();
  });

  test('the offline page and the manifest are in Spanish', async ({ page, request }) => {
    await page.goto('/');
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    const manifest = await (await request.get(href as string)).json();
    expect(manifest.lang).toBe('es');
    expect(manifest.description).toContain('entradas');
    const offline = await request.get('/offline.html?lang=es');
    expect(await offline.text()).toContain('Estás sin conexión');
  });
});

test.describe('accessibility', () => {
  for (const locale of ['es-ES', 'en-US']) {
    test.describe(locale, () => {
      test.use({ locale });

      test('the main pages have no WCAG 2.1 AA violation and the right lang', async ({ page }) => {
        const event = await firstEventPath(page);
        for (const path of ['/', '/events', event, '/login', '/register']) {
          await page.goto(path);
          await hydrated(page);
          await expect(page.locator('html')).toHaveAttribute('lang', locale.slice(0, 2));
          const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
          const found = results.violations.map((v) => `${path}: ${v.id} (${v.nodes.length}) ${v.nodes[0]?.target}`);
          expect(found, found.join('\n')).toEqual([]);
        }
      });
    });
  }
});
