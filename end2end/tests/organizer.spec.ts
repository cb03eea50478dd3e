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
  expect(await csv.text()).toMatch(/^order_id,status,created_at,paid_at,customer_email/);
  expect(request).toBeTruthy();
});
