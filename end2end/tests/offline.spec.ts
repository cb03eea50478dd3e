import { expect, Page, test } from '@playwright/test';
import { api, hydrated, login, paidTicket } from './helpers';

/** A new customer with a paid ticket for Tango Argentino, and their API client. */
async function customerWithTicket() {
  const admin = await api(process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  const events = await (await admin.get('/api/v1/door/events')).json();
  const event = events.find((e: { title: string }) => e.title === 'Tango Argentino').id;
  await admin.dispose();
  const ticket = await paidTicket(event);
  return { ticket, customer: await api(ticket.account.email, ticket.account.password) };
}

/** Signs in and opens `path` once the service worker controls the page, until the
 *  device's copy is synced. */
async function visitOnline(page: Page, account: { email: string; password: string }, path: string) {
  await login(page, account.email, account.password);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' })).toBeVisible();
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.goto(path);
  await hydrated(page);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBeTruthy();
  await expect(page.getByTestId('mine-synced')).toHaveText(/^Last synced at \d\d:\d\d:\d\d$/, { timeout: 15_000 });
  await expect(page.getByTestId('mine-online')).toHaveText('Online');
}

/** The customer's own data, kept on the device (IndexedDB) after one online visit:
 *  tickets with their QR codes, orders, notifications and support requests read offline,
 *  and what is done offline waits in a queue that is sent once on reconnect. */
test("a customer's tickets, notifications and support requests work offline, and what they do there is sent once", async ({ page, context }) => {
  const { ticket, customer } = await customerWithTicket();
  const subject = `Wheelchair space ${Date.now().toString(36)}`;
  const made = await customer.post('/api/v1/support/tickets', {
    data: { title: subject, description: 'Is there a wheelchair space next to my seat?', category: 'ACCESSIBILITY', order_id: ticket.orderId },
  });
  expect(made.status(), await made.text()).toBe(201);
  const supportId = (await made.json()).id;
  // The order's notification comes a moment after the payment.
  await expect.poll(async () => (await (await customer.get('/api/v1/notifications?unread=true')).json()).total, { timeout: 15_000 }).toBeGreaterThan(0);

  // One online visit, once the service worker controls the page: the device keeps a copy.
  await visitOnline(page, ticket.account, '/tickets');

  await context.setOffline(true);

  // My tickets, never opened one by one online: the QR code is drawn from the kept code.
  await page.goto('/tickets');
  await hydrated(page);
  await expect(page.getByTestId('mine-online')).toHaveText('Offline');
  await page.getByRole('link', { name: /^Tango Argentino — / }).click();
  await expect(page.locator('.ticket-code')).toHaveText(ticket.code);
  await expect(page.getByRole('img', { name: /QR/ }).locator('svg')).toBeVisible();

  // My orders, never visited online.
  await page.goto('/orders');
  await hydrated(page);
  await expect(page.getByRole('link', { name: 'Tango Argentino' })).toBeVisible();

  // My notifications; marking one read waits on the device, and shows at once.
  await page.goto('/notifications?unread=1');
  await hydrated(page);
  const unread = page.locator('.notification.unread');
  await expect(unread.first()).toBeVisible();
  const before = await unread.count();
  expect(before).toBeGreaterThan(0);
  await unread.first().getByRole('button', { name: /^Mark read/ }).click();
  await expect(unread).toHaveCount(before - 1);
  await expect(page.getByTestId('mine-waiting')).toHaveText('1 action waiting to be sent');

  // My support request and its conversation; a reply written offline waits too.
  await page.goto('/support');
  await hydrated(page);
  await page.getByRole('link', { name: subject }).click();
  await expect(page.getByText('Is there a wheelchair space next to my seat?')).toBeVisible();
  const reply = `Written in the tunnel ${Date.now().toString(36)}`;
  await page.getByLabel('Your reply').fill(reply);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByTestId('saved-offline')).toBeVisible();
  await expect(page.getByTestId('reply-waiting')).toContainText(reply);
  await expect(page.getByTestId('mine-waiting')).toHaveText('2 actions waiting to be sent');
  await expect(page.getByLabel('Your reply')).toHaveValue('');

  // Back online: the queue is sent, in order, once.
  await context.setOffline(false);
  await expect(page.getByTestId('mine-waiting')).toHaveText('0 actions waiting to be sent', { timeout: 10_000 });
  await expect(page.getByTestId('mine-online')).toHaveText('Online');
  await expect(page.locator('.conversation').getByText(reply)).toBeVisible();
  await expect(page.getByTestId('reply-waiting')).toHaveCount(0);
  const conversation = await (await customer.get(`/api/v1/support/tickets/${supportId}`)).json();
  expect(conversation.messages.filter((m: { body: string }) => m.body === reply)).toHaveLength(1);
  const stillUnread = (await (await customer.get('/api/v1/notifications?unread=true')).json()).total;
  expect(stillUnread).toBe(before - 1);
  await customer.dispose();
});

test('a new support request written offline is kept, sent on reconnect, and a refused action stays to retry or discard', async ({ page, context }) => {
  const { ticket, customer } = await customerWithTicket();
  const closed = await customer.post('/api/v1/support/tickets', {
    data: { title: 'Lost scarf', description: 'A red scarf, row F, last night.', category: 'OTHER' },
  });
  const closedId = (await closed.json()).id;

  await visitOnline(page, ticket.account, '/support');

  await context.setOffline(true);
  // A reply to a support ticket that gets closed before the connection returns.
  await page.getByRole('link', { name: 'Lost scarf' }).click();
  await page.getByLabel('Your reply').fill('Found it, thanks!');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByTestId('saved-offline')).toBeVisible();
  // A new support request.
  const subject = `Parking ${Date.now().toString(36)}`;
  await page.goto('/support/new');
  await hydrated(page);
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Topic').selectOption({ label: 'Other' });
  await page.getByLabel('What happened?').fill('Is there parking near the theatre?');
  await page.getByRole('button', { name: 'Send to support' }).click();
  await expect(page.getByTestId('saved-offline')).toBeVisible();
  await page.goto('/support');
  await hydrated(page);
  await expect(page.getByTestId('support-waiting')).toContainText(subject);
  await expect(page.getByTestId('mine-waiting')).toHaveText('2 actions waiting to be sent');

  const moved = await customer.patch(`/api/v1/support/tickets/${closedId}`, { data: { status: 'CLOSED' } });
  expect(moved.status(), await moved.text()).toBe(200);
  await context.setOffline(false);
  // The request is sent; the reply to the closed one is refused, and stays with its reason.
  await expect(page.getByTestId('mine-waiting')).toHaveText('0 actions waiting to be sent', { timeout: 10_000 });
  const refused = page.locator('.sync-status .refused li');
  await expect(refused).toContainText('Lost scarf');
  await expect(page.getByRole('link', { name: subject })).toBeVisible();
  const mine = await (await customer.get('/api/v1/support/tickets')).json();
  expect(mine.items.filter((t: { title: string }) => t.title === subject)).toHaveLength(1);
  await refused.getByRole('button', { name: 'Discard' }).click();
  await expect(refused).toHaveCount(0);
  await customer.dispose();
});

test('a reply the device cannot keep offline says so, keeps its text, and is kept when tried again', async ({ page, context }) => {
  const { ticket, customer } = await customerWithTicket();
  const subject = `Coat check ${Date.now().toString(36)}`;
  const made = await customer.post('/api/v1/support/tickets', {
    data: { title: subject, description: 'Is there a cloakroom at the venue?', category: 'OTHER' },
  });
  const supportId = (await made.json()).id;
  await visitOnline(page, ticket.account, '/support');

  await context.setOffline(true);
  await page.getByRole('link', { name: subject }).click();
  await expect(page.getByText('Is there a cloakroom at the venue?')).toBeVisible();
  // The device's storage is full: IndexedDB refuses to write the queue.
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    (window as any).__realPut = put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: [any, IDBValidKey?]) {
      if (this.name === 'queue') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  const reply = `Written with a full phone ${Date.now().toString(36)}`;
  await page.getByLabel('Your reply').fill(reply);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByTestId('not-saved-offline')).toContainText('This device could not keep it');
  await expect(page.getByTestId('not-saved-offline')).toContainText('nothing was saved or sent');
  await expect(page.getByTestId('saved-offline')).toHaveCount(0);
  await expect(page.getByTestId('reply-waiting')).toHaveCount(0);
  await expect(page.getByTestId('mine-waiting')).toHaveText('0 actions waiting to be sent');
  await expect(page.getByLabel('Your reply')).toHaveValue(reply);

  // Room again: the same reply is kept, and sent once on reconnect.
  await page.evaluate(() => { IDBObjectStore.prototype.put = (window as any).__realPut; });
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByTestId('saved-offline')).toBeVisible();
  await expect(page.getByTestId('not-saved-offline')).toHaveCount(0);
  await expect(page.getByTestId('reply-waiting')).toContainText(reply);
  await expect(page.getByTestId('mine-waiting')).toHaveText('1 action waiting to be sent');
  await context.setOffline(false);
  await expect(page.getByTestId('mine-waiting')).toHaveText('0 actions waiting to be sent', { timeout: 10_000 });
  const conversation = await (await customer.get(`/api/v1/support/tickets/${supportId}`)).json();
  expect(conversation.messages.filter((m: { body: string }) => m.body === reply)).toHaveLength(1);
  await customer.dispose();
});
