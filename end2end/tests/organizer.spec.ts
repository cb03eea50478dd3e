import { expect, test } from '@playwright/test';
import { hydrated, login } from './helpers';

test('the organizer dashboard shows every event with its sales and CSV export', async ({ page, request }) => {
  const email = process.env.E2E_ADMIN_EMAIL;
  const password = process.env.E2E_ADMIN_PASSWORD;
  expect(email && password, 'E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD: run through end2end/run.sh, which creates the admin').toBeTruthy();
  await login(page, email!, password!);
  await expect(page.getByRole('link', { name: 'Organizer' })).toBeVisible();
  await page.getByRole('link', { name: 'Organizer' }).click();
  await expect(page.getByRole('heading', { name: 'Your events' })).toBeVisible();
  await hydrated(page);
  const row = page.getByRole('row').filter({ hasText: 'Swan Lake' });
  await expect(row).toContainText('On sale');
  await expect(row.getByRole('img', { name: /sold, .* held, .* available of \d+/ })).toBeVisible();
  const csvHref = await row.getByRole('link', { name: 'Orders CSV' }).getAttribute('href');
  const csv = await page.request.get(csvHref!);
  expect(csv.ok()).toBeTruthy();
  expect(await csv.text()).toMatch(/^"order_id","status","created_at","paid_at","customer_email"/);
  expect(request).toBeTruthy();
});

test('an organizer creates a venue and an event with a price per section, then puts it on sale', async ({ page }) => {
  const email = process.env.E2E_ADMIN_EMAIL;
  const password = process.env.E2E_ADMIN_PASSWORD;
  expect(email && password, 'E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD: run through end2end/run.sh, which creates the admin').toBeTruthy();
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const venue = `Hall ${id}`;
  const title = `Premiere ${id}`;
  await login(page, email!, password!);
  await expect(page.getByRole('link', { name: 'Organizer' })).toBeVisible();

  // The venue: two sections, the second added with "Add a section".
  await page.goto('/organizer/venues');
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill(venue);
  await page.getByLabel('City').fill('Testville');
  await page.getByLabel('Section 1 name').fill('Stalls');
  await page.locator('#section-0-rows').fill('4');
  await page.locator('#section-0-seats').fill('6');
  await page.getByLabel('Section 2 name').fill('Balcony');
  await page.locator('#section-1-rows').fill('2');
  await page.locator('#section-1-seats').fill('5');
  await page.getByRole('button', { name: 'Add a section' }).click();
  await expect(page.getByLabel('Section 4 name')).toBeVisible();
  await page.getByRole('button', { name: 'Create venue' }).click();
  const venueRow = page.getByRole('row').filter({ hasText: venue });
  await expect(venueRow).toContainText('Stalls (24), Balcony (10)');
  await expect(venueRow).toContainText('34');

  // The event: a readable error first, then a draft.
  await page.goto('/organizer');
  await hydrated(page);
  await page.getByRole('link', { name: 'New event' }).click();
  await expect(page.getByRole('heading', { name: 'New event' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Category').fill('theatre');
  await page.getByLabel('Description').fill('Opening night.');
  await page.getByLabel('Starts (local time at the venue)').fill('2031-03-01T20:00');
  await page.getByLabel('Ends (local time at the venue)').fill('2031-03-01T19:00');
  await page.getByLabel('Venue', { exact: true }).selectOption({ label: `${venue}, Testville` });
  await page.getByLabel('Stalls (24 seats)').fill('30');
  await page.getByLabel('Balcony (10 seats)').fill('45.50');
  await page.getByRole('button', { name: 'Create event' }).click();
  await expect(page.getByText('The event must end after it starts.')).toBeVisible();
  await page.getByLabel('Ends (local time at the venue)').fill('2031-03-01T22:30');
  await page.getByRole('button', { name: 'Create event' }).click();
  await expect(page.getByRole('heading', { name: 'Your events' })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: title });
  await expect(row).toContainText('Draft');
  await expect(row).toContainText('0 / 34 sold');
  await hydrated(page);
  await row.getByRole('button', { name: `Put ${title} on sale` }).click();
  await expect(row).toContainText('On sale');

  // Buyers find it with both prices.
  await page.goto(`/events?q=${encodeURIComponent(title)}`);
  await page.getByRole('link', { name: title }).first().click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByText('€45.50').first()).toBeVisible();
});
