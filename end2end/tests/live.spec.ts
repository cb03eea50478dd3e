import { expect, test } from '@playwright/test';
import { awaitUnread, hydrated, newAccount, register } from './helpers';

// Two browsers on one event: a hold in one greys the seat in the other within a second,
// without a reload; letting it go makes it available there again.
test('a hold in one browser greys the seat in another at once', async ({ page, browser }, info) => {
  const row = info.project.name === 'phone' ? 'B' : 'A';
  await register(page, newAccount('live'));
  await page.goto('/events/don-juan-tenorio');
  await hydrated(page);

  const other = await browser.newContext();
  const watcher = await other.newPage();
  await watcher.goto('/events/don-juan-tenorio');
  await hydrated(watcher);

  const seat = page.getByRole('checkbox', { name: new RegExp(`^Patio, row ${row}, seat \\d+, .*, available$`) }).first();
  const label = (await seat.getAttribute('aria-label'))!.split(', €')[0];
  const seen = watcher.getByRole('checkbox', { name: new RegExp(`^${label}, `) });
  await expect(seen).toHaveAttribute('aria-disabled', 'false');

  await seat.click();
  await page.getByRole('button', { name: 'Hold these seats' }).click();
  await expect(seen).toHaveAttribute('aria-disabled', 'true', { timeout: 1_000 });
  await expect(seen).toHaveAttribute('aria-label', /held by another buyer$/);
  await expect(seen).toHaveClass(/seat-held/);

  await expect(page).toHaveURL(/\/checkout\//);
  await hydrated(page);
  await page.getByRole('button', { name: 'Release seats' }).click();
  await expect(seen).toHaveAttribute('aria-disabled', 'false', { timeout: 1_000 });
  await expect(seen).toHaveAttribute('aria-label', /available$/);
  await other.close();
});

// A seat picked in one browser and taken in another leaves the selection, with a word.
test('a picked seat someone else takes leaves the selection', async ({ page, browser }, info) => {
  const row = info.project.name === 'phone' ? 'D' : 'C';
  await register(page, newAccount('quick'));
  const other = await browser.newContext();
  const slow = await other.newPage();
  await slow.goto('/events/don-juan-tenorio');
  await hydrated(slow);
  await page.goto('/events/don-juan-tenorio');
  await hydrated(page);

  const seat = page.getByRole('checkbox', { name: new RegExp(`^Patio, row ${row}, seat \\d+, .*, available$`) }).first();
  const label = (await seat.getAttribute('aria-label'))!.split(', €')[0];
  await slow.getByRole('checkbox', { name: new RegExp(`^${label}, `) }).click();
  await expect(slow.getByRole('heading', { name: 'Selected seats (1)' })).toBeVisible();

  await seat.click();
  await page.getByRole('button', { name: 'Hold these seats' }).click();
  await expect(slow.getByRole('heading', { name: 'Selected seats (0)' })).toBeVisible({ timeout: 2_000 });
  await expect(slow.getByRole('status').filter({ hasText: 'Someone else just took a seat you had picked.' })).toBeVisible();
  await other.close();
});

// The header's badge counts a notification that comes while the page is open: a payment
// declined through the API, for the user signed in here.
test('the badge counts up as a notification comes', async ({ page, request }, info) => {
  const account = newAccount('badge');
  await register(page, account);
  // The welcome notification, once the notifier made it.
  await awaitUnread(page, 1);
  const nav = page.getByRole('navigation', { name: 'Main' });

  const login = await request.post('/api/v1/auth/login', { data: { email: account.email, password: account.password } });
  const token = (await login.json()).token as string;
  const auth = { Authorization: `Bearer ${token}` };
  const event = await (await request.get('/api/v1/events/don-juan-tenorio')).json();
  const seats = await (await request.get(`/api/v1/events/${event.id}/seats`)).json();
  const row = info.project.name === 'phone' ? 'F' : 'E';
  const free = seats.items.find((s: { status: string; row: string; section: string }) => s.status === 'AVAILABLE' && s.section === 'Patio' && s.row === row);
  const hold = await request.post(`/api/v1/events/${event.id}/holds`, { headers: auth, data: { seat_ids: [free.id] } });
  expect(hold.status()).toBe(201);
  const order = await request.post('/api/v1/orders', {
    headers: { ...auth, 'Idempotency-Key': `badge-${Date.now()}` },
    data: { hold_id: (await hold.json()).id, payment: { card_number: '4000 0000 0000 0002', exp_month: 12, exp_year: 2031, cvc: '123', name: 'Ana García' } },
  });
  expect(order.status()).toBe(202);

  // No reload: the stream brings it.
  await expect(nav.getByRole('link', { name: 'Notifications, 2 unread' })).toBeVisible({ timeout: 10_000 });
});
