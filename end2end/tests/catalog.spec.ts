import { expect, test } from '@playwright/test';
import { hydrated } from './helpers';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the home page lists events and search works', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Upcoming events' })).toBeVisible();
    const upcoming = page.locator('section[aria-labelledby="upcoming-heading"] article');
    expect(await upcoming.count()).toBeGreaterThanOrEqual(8);
    await page.getByLabel('Search events').fill('swan');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(/\/events\?q=swan/);
    await expect(page.getByText('1 event found')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Swan Lake' })).toBeVisible();
  });

  test('an event page shows its seat map with every seat\'s status', async ({ page }) => {
    await page.goto('/events/swan-lake');
    await expect(page.getByRole('group', { name: 'Seat map' })).toBeVisible();
    await expect(page.getByRole('checkbox', { name: /^Stalls, row A, seat 1, .*, available$/ })).toHaveAttribute('aria-disabled', 'false');
  });
});

test('search and filters narrow the list and stay in the URL', async ({ page }) => {
  await page.goto('/events');
  await hydrated(page);
  const count = page.getByRole('status').filter({ hasText: /events? found/ });
  const all = parseInt((await count.textContent()) || '0', 10);
  expect(all).toBeGreaterThanOrEqual(24);
  await expect(page.getByRole('link', { name: 'Next page' })).toBeVisible();

  await page.getByLabel('Category').selectOption('comedy');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/category=comedy/);
  await expect(count).toHaveText('3 events found');
  const chips = page.locator('article .chip').filter({ hasText: /^Comedy$/ });
  await expect(chips).toHaveCount(3);

  await page.getByLabel('City').selectOption('Madrid');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/city=Madrid/);
  await expect(count).toHaveText('1 event found');
  await expect(page.getByRole('link', { name: 'Comedy in English Madrid' })).toBeVisible();

  await page.getByRole('link', { name: 'Clear filters' }).click();
  await page.getByLabel('Search').fill('no such show anywhere');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByText('No events match these filters.')).toBeVisible();

  await page.goto('/events?from=not-a-date');
  await expect(page.getByRole('alert')).toContainText('Use a date like');
});

test('seats can be picked on the map after hydration, by pointer and keyboard', async ({ page }) => {
  await page.goto('/events/swan-lake');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Swan Lake' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Selected seats (0)' })).toBeVisible();
  const seat = page.getByRole('checkbox', { name: /^Stalls, row A, seat 5,/ });
  await seat.click();
  await expect(seat).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('heading', { name: 'Selected seats (1)' })).toBeVisible();
  await expect(page.getByText('Total: €65.00')).toBeVisible();

  const other = page.getByRole('checkbox', { name: /^Mezzanine, row B, seat 3,/ });
  await other.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Selected seats (2)' })).toBeVisible();
  await expect(page.getByText('Total: €110.00')).toBeVisible();

  await page.getByRole('button', { name: 'Clear selection' }).click();
  await expect(page.getByRole('heading', { name: 'Selected seats (0)' })).toBeVisible();
});

// A page opened inside the app (no page load) fetches the map the server drew; its seats
// can be picked as on a page the server sent.
test('the seat map comes with a page opened from the list', async ({ page }) => {
  await page.goto('/events?q=swan');
  await hydrated(page);
  await page.getByRole('link', { name: 'Swan Lake' }).first().click();
  await expect(page).toHaveURL(/\/events\/swan-lake/);
  const seat = page.getByRole('checkbox', { name: /^Stalls, row A, seat 6,/ });
  await expect(seat).toBeVisible();
  await seat.click();
  await expect(seat).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('heading', { name: 'Selected seats (1)' })).toBeVisible();
});

test('an unknown event shows a readable not-found page', async ({ page }) => {
  const res = await page.goto('/events/no-such-event');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
