import { APIRequestContext, expect, test } from '@playwright/test';
import { hydrated, login, newAccount, register } from './helpers';

/** A 1×1 PNG's first bytes: what a browser reads as an image. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);

/** The administrator's bearer token (end2end/run.sh creates the administrator). */
async function adminToken(request: APIRequestContext): Promise<string> {
  const email = process.env.E2E_ADMIN_EMAIL;
  const password = process.env.E2E_ADMIN_PASSWORD;
  expect(email && password, 'run through end2end/run.sh, which creates the admin').toBeTruthy();
  const res = await request.post('/api/v1/auth/login', { data: { email, password } });
  expect(res.status()).toBe(200);
  return (await res.json()).token as string;
}

// A customer asks for help about an order; the assigner gives the support ticket to the
// one available agent who knows its topic; the agent adds an internal note and replies;
// the customer is told, reads the reply, and never the note; the agent refunds the order
// from the panel, and its seat is on sale again.
test('a support ticket goes to the skilled agent, whose note the customer never sees, and who refunds the order', async ({ browser, request }, info) => {
  const token = await adminToken(request);
  const auth = { Authorization: `Bearer ${token}` };
  const agent = newAccount('agent');
  const created = await request.post('/api/v1/users', {
    headers: auth,
    data: { email: agent.email, display_name: agent.name, password: agent.password, role: 'agent', skills: ['other', 'payments'] },
  });
  expect(created.status()).toBe(201);
  const agentId = (await created.json()).id as string;
  // Every other agent who knows the topic steps away, so the choice is this agent.
  const agents = await (await request.get('/api/v1/support/agents', { headers: auth })).json();
  for (const other of agents) {
    if (other.id !== agentId && other.skills.includes('other') && other.availability === 'AVAILABLE') {
      const away = await request.patch(`/api/v1/support/agents/${other.id}`, { headers: auth, data: { availability: 'AWAY' } });
      expect(away.status()).toBe(200);
    }
  }

  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  const account = newAccount('asker');
  await register(customer, account);
  // The customer's order: one seat, paid.
  const signedIn = await request.post('/api/v1/auth/login', { data: { email: account.email, password: account.password } });
  const buyer = { Authorization: `Bearer ${(await signedIn.json()).token}` };
  const event = await (await request.get('/api/v1/events/don-juan-tenorio')).json();
  const seats = await (await request.get(`/api/v1/events/${event.id}/seats`)).json();
  const row = info.project.name === 'phone' ? 'H' : 'G';
  const seat = seats.items.find((s: { status: string; row: string; section: string }) => s.status === 'AVAILABLE' && s.section === 'Patio' && s.row === row);
  const hold = await request.post(`/api/v1/events/${event.id}/holds`, { headers: buyer, data: { seat_ids: [seat.id] } });
  expect(hold.status()).toBe(201);
  const placed = await request.post('/api/v1/orders', {
    headers: { ...buyer, 'Idempotency-Key': `support-${Date.now()}` },
    data: { hold_id: (await hold.json()).id, payment: { card_number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2031, cvc: '123', name: 'Ana García' } },
  });
  expect(placed.status()).toBe(202);
  const orderId = (await placed.json()).id as string;
  await expect.poll(async () => (await (await request.get(`/api/v1/orders/${orderId}`, { headers: buyer })).json()).status, { timeout: 15_000 }).toBe('PAID');
  const seatStatus = async () => {
    const all = await (await request.get(`/api/v1/events/${event.id}/seats`)).json();
    return all.items.find((s: { id: string }) => s.id === seat.id).status as string;
  };
  await expect.poll(seatStatus, { timeout: 10_000 }).toBe('SOLD');

  await customer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Help' }).click();
  await expect(customer.getByRole('heading', { level: 1, name: 'Help' })).toBeVisible();
  await customer.getByRole('link', { name: 'Ask for help' }).click();
  await hydrated(customer);
  const subject = `Lost property ${agent.name}`;
  await customer.getByLabel('Subject').fill(subject);
  await customer.getByLabel('Topic').selectOption({ label: 'Other' });
  await customer.getByLabel('Order').selectOption(orderId);
  await customer.getByLabel('What happened?').fill('I left my umbrella at the venue last night, near row F.');
  // A photo goes with it.
  await customer.getByLabel('Attach files').setInputFiles({ name: 'umbrella.png', mimeType: 'image/png', buffer: PNG });
  await expect(customer.getByRole('button', { name: 'Remove umbrella.png' })).toBeVisible();
  await customer.getByRole('button', { name: 'Send to support' }).click();
  await expect(customer.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(customer.getByRole('link', { name: 'umbrella.png' })).toBeVisible();
  await expect(customer.getByText('Open', { exact: true })).toBeVisible();

  const agentContext = await browser.newContext();
  const desk = await agentContext.newPage();
  await login(desk, agent.email, agent.password);
  await expect(desk.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Desk' })).toBeVisible();
  await expect
    .poll(async () => {
      await desk.goto('/desk');
      await hydrated(desk);
      return desk.getByRole('link', { name: subject }).count();
    }, { timeout: 15_000 })
    .toBe(1);
  await desk.getByRole('link', { name: subject }).click();
  await expect(desk.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await hydrated(desk);
  // The desk opens the photo as it was sent.
  const photo = desk.getByRole('link', { name: 'umbrella.png' });
  await expect(photo).toBeVisible();
  const sent = await desk.request.get((await photo.getAttribute('href'))!);
  expect(sent.status()).toBe(200);
  expect(sent.headers()['content-type']).toBe('image/png');
  expect(Buffer.compare(await sent.body(), PNG)).toBe(0);

  const note = 'Checked with the venue: they have it.';
  await desk.getByLabel('Reply or note').fill(note);
  await desk.getByLabel('Internal note (the customer never sees it)').check();
  await desk.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(desk.locator('li.message.internal').filter({ hasText: note })).toBeVisible();
  const reply = 'Good news: the venue has your umbrella at the box office.';
  // The form is empty again, the box unticked: this one is a public reply.
  await expect(desk.getByLabel('Reply or note')).toHaveValue('');
  await expect(desk.getByLabel('Internal note (the customer never sees it)')).not.toBeChecked();
  await desk.getByLabel('Reply or note').fill(reply);
  await desk.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(desk.locator('li.message').filter({ hasText: reply })).toBeVisible();
  await expect(desk.locator('li.message.internal').filter({ hasText: reply })).toHaveCount(0);
  await expect(desk.getByText('In progress', { exact: true }).first()).toBeVisible();

  // The customer is told, and reads the reply.
  const told = customer.getByRole('link', { name: `New reply: ${subject}` });
  await expect
    .poll(async () => {
      await customer.goto('/notifications');
      await hydrated(customer);
      return told.count();
    }, { timeout: 15_000 })
    .toBe(1);
  await told.click();
  await expect(customer.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(customer.getByText(reply)).toBeVisible();
  await expect(customer.getByText(note)).toHaveCount(0);
  await expect(customer.getByText('Internal note')).toHaveCount(0);

  // The agent refunds the order from the panel: its seat is on sale again.
  const panel = desk.getByRole('region', { name: 'The order' });
  await expect(panel.getByText('Don Juan Tenorio')).toBeVisible();
  await panel.getByRole('button', { name: 'Refund the order' }).click();
  await expect(panel.getByText('Refunded', { exact: true })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Refund the order' })).toHaveCount(0);
  await expect.poll(seatStatus, { timeout: 10_000 }).toBe('AVAILABLE');

  // The customer closes it; it takes no more replies.
  await customer.reload();
  await hydrated(customer);
  await customer.getByRole('button', { name: 'Close' }).click();
  await expect(customer.getByText('This support ticket is closed. If you need more help, open a new one.')).toBeVisible();
  await customerContext.close();
  await agentContext.close();
});

// The customer's pages work on a phone, in Spanish, without sideways scrolling.
test('asking for help reads in Spanish on a phone', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'es-ES', extraHTTPHeaders: { 'Accept-Language': 'es' }, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const account = newAccount('rampa');
  const registered = await page.request.post('/api/v1/auth/register', { data: { email: account.email, display_name: account.name, password: account.password } });
  expect(registered.status()).toBe(201);
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Correo electrónico').fill(account.email);
  await page.getByLabel('Contraseña').fill(account.password);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: account.name })).toBeVisible();
  await page.goto('/support/new');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Pedir ayuda' })).toBeVisible();
  await page.getByLabel('Asunto').fill('Rampa de acceso');
  await page.getByLabel('Tema').selectOption({ label: 'Accesibilidad' });
  await page.getByLabel('Teléfono (opcional)').fill('no es un teléfono');
  await page.getByLabel('¿Qué pasó?').fill('Voy en silla de ruedas y necesito saber si hay rampa.');
  // A text file named like a photo: the server reads what it is.
  await page.getByLabel('Adjuntar archivos').setInputFiles({ name: 'foto.png', mimeType: 'image/png', buffer: Buffer.from('esto no es una foto') });
  await page.getByRole('button', { name: 'Enviar a soporte' }).click();
  await expect(page.getByText('Escribe un teléfono de 6 a 15 cifras, como +34 600 123 456.')).toBeVisible();
  await page.getByLabel('Teléfono (opcional)').fill('+34 600 123 456');
  await page.getByRole('button', { name: 'Enviar a soporte' }).click();
  await expect(page.getByText('«foto.png» no es una imagen (PNG, JPEG, GIF o WebP) ni un PDF.')).toBeVisible();
  await page.getByRole('button', { name: 'Quitar foto.png' }).click();
  await page.getByRole('button', { name: 'Enviar a soporte' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Rampa de acceso' })).toBeVisible();
  await expect(page.getByText('+34600123456')).toBeVisible();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await context.close();
});
