import { Browser, expect, Page, test } from '@playwright/test';
import { hydrated, newAccount, register } from './helpers';

/** Picks `n` available seats of a section row, avoiding seats other tests took. */
async function pickSeats(page: Page, row: string, n: number) {
  const seats = page.getByRole('checkbox', { name: new RegExp(`^Anfiteatro, row ${row}, seat \\d+, .*, available$`) });
  const picked: string[] = [];
  for (let i = 0; i < n; i++) {
    const seat = seats.nth(i);
    const label = (await seat.getAttribute('aria-label'))!;
    await seat.click();
    picked.push(label.split(', €')[0]);
  }
  return picked;
}

async function payWith(page: Page, card: string) {
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry month').fill('12');
  await page.getByLabel('Expiry year').fill('2031');
  await page.getByLabel('Security code').fill('123');
  await page.getByLabel('Name on card').fill('Ana García');
  await page.getByRole('button', { name: /^Pay / }).click();
}

async function seatState(browser: Browser, label: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/events/carmen');
  const seat = page.getByRole('checkbox', { name: new RegExp(`^${label}, `) });
  const name = await seat.getAttribute('aria-label');
  const disabled = await seat.getAttribute('aria-disabled');
  await context.close();
  return { name, disabled };
}

test('a customer holds two seats, is declined, pays, and gets QR tickets', async ({ page, browser }, info) => {
  const row = info.project.name === 'phone' ? 'B' : 'A';
  await register(page, newAccount('buyer'));
  await page.goto('/events/carmen');
  await hydrated(page);
  const picked = await pickSeats(page, row, 2);
  await expect(page.getByRole('heading', { name: 'Selected seats (2)' })).toBeVisible();
  await page.getByRole('button', { name: 'Hold these seats' }).click();

  await expect(page).toHaveURL(/\/checkout\//);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
  const timer = page.getByRole('timer');
  await expect(timer).toContainText(/\d+:\d\d/);
  const before = await timer.textContent();
  await expect(timer).not.toHaveText(before!, { timeout: 5000 });

  // Another buyer sees the held seats as unavailable.
  const seen = await seatState(browser, picked[0]);
  expect(seen.disabled).toBe('true');
  expect(seen.name).toContain('held by another buyer');

  await payWith(page, '4000 0000 0000 0002');
  await expect(page).toHaveURL(/\/orders\//);
  await expect(page.getByRole('status')).toContainText('Your card was declined.');
  await page.getByRole('link', { name: 'Try another card' }).click();
  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
  await hydrated(page);

  await payWith(page, '4242 4242 4242 4242');
  await expect(page).toHaveURL(/\/orders\//);
  await expect(page.getByRole('status')).toContainText('Processing payment');
  await expect(page.getByRole('status')).toContainText('Paid', { timeout: 15000 });
  const ticketLinks = page.getByRole('link', { name: /^Ticket: / });
  await expect(ticketLinks).toHaveCount(2);
  await ticketLinks.first().click();
  await expect(page.getByRole('img', { name: 'Ticket QR code' })).toBeVisible();
  await expect(page.locator('.qr svg')).toBeVisible();
  await expect(page.getByText(/^TQ1\./)).toBeVisible();

  const sold = await seatState(browser, picked[1]);
  expect(sold.name).toContain('sold');
});

test('buying needs an account', async ({ page }) => {
  await page.goto('/events/carmen');
  await hydrated(page);
  await page.getByRole('checkbox', { name: /^Patio, row J, seat 1, .*, available$/ }).click();
  await expect(page.getByRole('link', { name: 'Log in to buy' })).toBeVisible();
});

test('the best available seats of a section can be held in one step', async ({ page }) => {
  await register(page, newAccount('best'));
  await page.goto('/events/tango-argentino');
  await hydrated(page);
  const value = await page.locator('#best-section option', { hasText: 'Anfiteatro' }).getAttribute('value');
  await page.getByLabel('Section').selectOption(value!);
  await page.getByLabel('Seats', { exact: true }).selectOption('3');
  await page.getByRole('button', { name: 'Find seats' }).click();
  await expect(page).toHaveURL(/\/checkout\//);
  await expect(page.locator('.selection-list li')).toHaveCount(3);
  await expect(page.locator('.selection-list li').first()).toContainText('Anfiteatro, row');
  await hydrated(page);
  await page.getByRole('button', { name: 'Release seats' }).click();
  await expect(page).toHaveURL(/\/events\/tango-argentino/);
});
