import { APIRequestContext, expect, Page, request as newRequest } from '@playwright/test';

export const base = process.env.TAQUILLA_E2E_URL || 'http://127.0.0.1:3000';

/** A fresh, unique account for this test run. */
export function newAccount(prefix: string) {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  return {
    email: `${prefix}-${id}@example.com`,
    name: `${prefix[0].toUpperCase()}${prefix.slice(1)} ${id.slice(-4)}`,
    password: `violet-tram-${id}`,
  };
}

/** Waits until the WASM has hydrated the page (the app marks <html data-hydrated>). */
export async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

export async function register(page: Page, account: { email: string; name: string; password: string }) {
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Display name').fill(account.name);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  // Signing up never signs in (it answers the same for a taken email): log in next.
  await expect(page.getByRole('status').filter({ hasText: 'Thanks for signing up.' })).toBeVisible();
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: `Hello, ${account.name}` })).toBeVisible();
}

export async function login(page: Page, email: string, password: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function logout(page: Page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();
}

/** Reloads /events until the header's badge says `count` unread (the notifier works after
 *  the request that caused the notification has answered). Leaves the page hydrated. */
export async function awaitUnread(page: Page, count: number) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect
    .poll(async () => {
      await page.goto('/events');
      await hydrated(page);
      return nav.getByRole('link', { name: `Notifications, ${count} unread` }).count();
    }, { timeout: 15_000 })
    .toBe(1);
}

/** An API client signed in as `email` (bearer token). */
export async function api(email: string, password: string): Promise<APIRequestContext> {
  const anon = await newRequest.newContext({ baseURL: base });
  const res = await anon.post('/api/v1/auth/login', { data: { email, password } });
  expect(res.status(), await res.text()).toBe(200);
  const { token } = await res.json();
  await anon.dispose();
  return newRequest.newContext({ baseURL: base, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
}

/** A new customer (signed up through the API) with a paid ticket for the event: the
 *  ticket's signed code and id, its order, and the customer's account. */
export async function paidTicket(event: string): Promise<{ code: string; id: string; orderId: string; account: { email: string; name: string; password: string } }> {
  const account = newAccount('guest');
  const anon = await newRequest.newContext({ baseURL: base });
  // In English, as the tests' browsers ask (signing in brings the profile's language).
  const made = await anon.post('/api/v1/auth/register', {
    headers: { 'Accept-Language': 'en-US' },
    data: { email: account.email, display_name: account.name, password: account.password },
  });
  expect(made.status(), await made.text()).toBeLessThan(300);
  await anon.dispose();
  const buyer = await api(account.email, account.password);
  const seats = (await (await buyer.get(`/api/v1/events/${event}/seats`)).json()).items;
  const free = seats.filter((s: { status: string }) => s.status === 'AVAILABLE');
  // Another seat each time, from the end of the map (other tests take the front rows).
  const seat = free[free.length - 1 - Math.floor(Math.random() * Math.min(40, free.length - 1))];
  const hold = await buyer.post(`/api/v1/events/${event}/holds`, { data: { seat_ids: [seat.id] } });
  expect(hold.status(), await hold.text()).toBe(201);
  const order = await buyer.post('/api/v1/orders', {
    headers: { 'Idempotency-Key': `paid-${account.email}` },
    data: { hold_id: (await hold.json()).id, payment: { card_number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2031, cvc: '123', name: 'Ana García' } },
  });
  expect(order.status(), await order.text()).toBe(202);
  const orderId = (await order.json()).id;
  let tickets: string[] = [];
  await expect.poll(async () => {
    tickets = (await (await buyer.get(`/api/v1/orders/${orderId}`)).json()).ticket_ids ?? [];
    return tickets.length;
  }, { timeout: 15_000 }).toBe(1);
  const ticket = await (await buyer.get(`/api/v1/tickets/${tickets[0]}`)).json();
  await buyer.dispose();
  return { code: ticket.code, id: ticket.id, orderId, account };
}
