import { Browser, BrowserContext, chromium, expect, Page, request as newRequest, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { api, base, hydrated, login, newAccount, paidTicket } from './helpers';

/** Signs the administrator in on `page` and opens the event's door, its list loaded. */
async function openDoor(page: Page, event: string) {
  await login(page, process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' })).toBeVisible();
  await page.goto(`/door/${event}`);
  await hydrated(page);
  await expect(page.getByText(/^List of \d+ tickets?, downloaded at/)).toBeVisible();
  await expect(page.getByLabel('Ticket code')).toBeEnabled();
}

async function doorDevice(browser: Browser, event: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openDoor(page, event);
  return { context, page };
}

async function scan(page: Page, code: string) {
  await page.getByLabel('Ticket code').fill(code);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
}

test('three door devices check in one ticket offline and agree once they reconnect', async ({ browser }) => {
  expect(process.env.E2E_ADMIN_EMAIL, 'run through end2end/run.sh, which creates the admin').toBeTruthy();
  const admin = await api(process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  const events = await (await admin.get('/api/v1/door/events')).json();
  const event = events.find((e: { title: string }) => e.title === 'Tango Argentino').id;
  const ticket = await paidTicket(event);

  const devices = [];
  for (let i = 0; i < 3; i++) devices.push(await doorDevice(browser, event));
  for (const { context, page } of devices) {
    await context.setOffline(true);
    await expect(page.getByTestId('door-online')).toHaveText(/^Offline/);
  }
  // Each device, knowing nothing of the others, lets the ticket in.
  for (const { page } of devices) {
    await scan(page, ticket.code);
    const verdict = page.getByTestId('door-verdict');
    await expect(verdict).toContainText('Admit');
    await expect(verdict).toContainText(/Seat: /);
    await page.getByRole('button', { name: 'Next ticket' }).click();
    await expect(page.getByTestId('door-pending')).toHaveText('1 scan waiting to be sent');
  }
  const back = Date.now();
  for (const { context } of devices) await context.setOffline(false);
  // Within 7 s every device has sent its scan and shows the conflict.
  for (const { page } of devices) {
    await expect(page.getByTestId('door-pending')).toHaveText('0 scans waiting to be sent', { timeout: 7_000 });
    await expect(page.getByTestId('door-conflicts').getByRole('listitem')).toHaveCount(2, { timeout: Math.max(1000, 7_000 - (Date.now() - back)) });
  }
  const door = await (await admin.get(`/api/v1/events/${event}/door`)).json();
  const checkins = await (await admin.get(`/api/v1/events/${event}/checkins`)).json();
  const ours = checkins.items.filter((c: { ticket_id: string }) => c.ticket_id === ticket.id);
  expect(ours.filter((c: { result: string }) => c.result === 'ADMITTED')).toHaveLength(1);
  expect(ours.filter((c: { result: string }) => c.result === 'DUPLICATE')).toHaveLength(2);
  expect(door.admitted).toBeGreaterThanOrEqual(1);

  // Online now: the same ticket again is turned away at once, and so is a made-up code.
  const { page } = devices[0];
  await scan(page, ticket.code);
  await expect(page.getByTestId('door-verdict')).toContainText('Stop');
  await expect(page.getByTestId('door-verdict')).toContainText('Already admitted.');
  await page.getByRole('button', { name: 'Next ticket' }).click();
  await scan(page, 'TQ1.made-up.code');
  await expect(page.getByTestId('door-verdict')).toContainText('Not a valid ticket code.');
  // The organizer's view of the door counts the devices.
  await expect(page.getByRole('heading', { name: 'The door' })).toBeVisible();
  await expect(page.getByTestId('door-duplicates')).not.toHaveText('0');
  for (const { context } of devices) await context.close();
  await admin.dispose();
});

test('an organizer names door staff, who see only that event', async ({ page }) => {
  const staff = newAccount('gate');
  const anon = await newRequest.newContext({ baseURL: base });
  await anon.post('/api/v1/auth/register', { data: { email: staff.email, display_name: staff.name, password: staff.password } });
  await anon.dispose();
  const admin = await api(process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  const events = await (await admin.get('/api/v1/door/events')).json();
  const event = events.find((e: { title: string }) => e.title === 'Swan Lake');
  await admin.dispose();

  await login(page, process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' })).toBeVisible();
  await page.goto(`/door/${event.id}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Door staff' })).toBeVisible();
  await page.getByLabel('Email of the account').fill(staff.email);
  await page.getByRole('button', { name: 'Give door access' }).click();
  await expect(page.getByRole('button', { name: `Remove ${staff.name}` })).toBeVisible();

  const gate = await api(staff.email, staff.password);
  const theirs = await (await gate.get('/api/v1/door/events')).json();
  expect(theirs.map((e: { id: string }) => e.id)).toEqual([event.id]);
  await page.getByRole('button', { name: `Remove ${staff.name}` }).click();
  await expect(page.getByText('Nobody else has door access yet.')).toBeVisible();
  expect(await (await gate.get('/api/v1/door/events')).json()).toEqual([]);
  await gate.dispose();
});

/** A camera's video of a ticket's QR code, as Chromium's fake camera plays it: a Y4M file
 *  of a few frames, the code in dark modules on a light quiet zone, off the centre of a
 *  grey picture. */
function ticketVideo(code: string, path: string) {
  const qr = QRCode.create(code, { errorCorrectionLevel: 'M' }).modules;
  const [w, h, scale] = [640, 480, 5];
  const y = Buffer.alloc(w * h, 120);
  const side = (qr.size + 8) * scale;
  const [left, top] = [100, Math.floor((h - side) / 2)];
  for (let dy = 0; dy < side; dy++) {
    for (let dx = 0; dx < side; dx++) {
      const [mx, my] = [Math.floor(dx / scale) - 4, Math.floor(dy / scale) - 4];
      const dark = mx >= 0 && my >= 0 && mx < qr.size && my < qr.size && qr.get(my, mx);
      y[(top + dy) * w + left + dx] = dark ? 16 : 235;
    }
  }
  const chroma = Buffer.alloc((w / 2) * (h / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma]);
  writeFileSync(path, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]));
}

test('a door device checks a ticket in through the camera', async ({}, testInfo) => {
  const admin = await api(process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  const events = await (await admin.get('/api/v1/door/events')).json();
  const event = events.find((e: { title: string }) => e.title === 'Tango Argentino').id;
  const ticket = await paidTicket(event);
  const video = testInfo.outputPath('ticket.y4m');
  ticketVideo(ticket.code, video);

  const { launchOptions, viewport } = testInfo.project.use;
  const browser = await chromium.launch({
    ...launchOptions,
    args: [...(launchOptions?.args ?? []), '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const context = await browser.newContext({ baseURL: base, viewport, locale: 'en-US', permissions: ['camera'] });
    const page = await context.newPage();
    await openDoor(page, event);
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await expect(page.getByLabel('Camera picture')).toBeVisible();
    const verdict = page.getByTestId('door-verdict');
    await expect(verdict).toContainText('Admit', { timeout: 15_000 });
    await expect(verdict).toContainText(/Seat: /);
    // The same code still in the picture is not scanned twice.
    await page.getByRole('button', { name: 'Next ticket' }).click();
    await page.getByRole('button', { name: 'Stop the camera' }).click();
    await expect(page.getByLabel('Camera picture')).toHaveCount(0);
    await expect(page.getByTestId('door-pending')).toHaveText('0 scans waiting to be sent', { timeout: 7_000 });
    const checkins = await (await admin.get(`/api/v1/events/${event}/checkins`)).json();
    const ours = checkins.items.filter((c: { ticket_id: string }) => c.ticket_id === ticket.id);
    expect(ours.map((c: { result: string }) => c.result)).toEqual(['ADMITTED']);
  } finally {
    await browser.close();
    await admin.dispose();
  }
});

test('a door device reopens its page offline and goes on checking tickets', async ({ browser }) => {
  const admin = await api(process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  const events = await (await admin.get('/api/v1/door/events')).json();
  const event = events.find((e: { title: string }) => e.title === 'Tango Argentino').id;
  const ticket = await paidTicket(event);
  const { context, page } = await doorDevice(browser, event);
  // Once the service worker controls the page, a visit keeps the door's page and code.
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await hydrated(page);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBeTruthy();
  await expect(page.getByLabel('Ticket code')).toBeEnabled();

  await context.setOffline(true);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('door-online')).toHaveText(/^Offline/);
  await expect(page.getByText(/^List of \d+ tickets?, downloaded at/)).toBeVisible();
  await scan(page, ticket.code);
  await expect(page.getByTestId('door-verdict')).toContainText('Admit');
  await page.getByRole('button', { name: 'Next ticket' }).click();
  await expect(page.getByTestId('door-pending')).toHaveText('1 scan waiting to be sent');

  await context.setOffline(false);
  await expect(page.getByTestId('door-pending')).toHaveText('0 scans waiting to be sent', { timeout: 7_000 });
  const checkins = await (await admin.get(`/api/v1/events/${event}/checkins`)).json();
  expect(checkins.items.filter((c: { ticket_id: string; result: string }) => c.ticket_id === ticket.id).map((c: { result: string }) => c.result)).toEqual(['ADMITTED']);
  await context.close();
  await admin.dispose();
});

test("a door device whose clock is wrong stamps its scans in the server's time, and logging out asks before deleting unsent ones", async ({ browser }) => {
  const admin = await api(process.env.E2E_ADMIN_EMAIL!, process.env.E2E_ADMIN_PASSWORD!);
  const events = await (await admin.get('/api/v1/door/events')).json();
  const event = events.find((e: { title: string }) => e.title === 'Tango Argentino').id;
  const first = await paidTicket(event);
  const second = await paidTicket(event);
  const context = await browser.newContext();
  // This device's clock is an hour behind.
  await context.addInitScript(() => {
    const Real = Date;
    const shift = -3_600_000;
    class Behind extends Real {
      constructor(...args: any[]) {
        if (args.length === 0) super(Real.now() + shift);
        else super(...(args as [any]));
      }
      static now() { return Real.now() + shift; }
    }
    (globalThis as any).Date = Behind;
  });
  const page = await context.newPage();
  await openDoor(page, event);

  await context.setOffline(true);
  await expect(page.getByTestId('door-online')).toHaveText(/^Offline/);
  await scan(page, first.code);
  await expect(page.getByTestId('door-verdict')).toContainText('Admit');
  await page.getByRole('button', { name: 'Next ticket' }).click();
  await context.setOffline(false);
  await expect(page.getByTestId('door-pending')).toHaveText('0 scans waiting to be sent', { timeout: 7_000 });
  const checkins = await (await admin.get(`/api/v1/events/${event}/checkins`)).json();
  const admitted = checkins.items.find((c: { ticket_id: string }) => c.ticket_id === first.id);
  expect(Math.abs(Date.parse(admitted.scanned_at) - Date.now()), `scanned at ${admitted.scanned_at}`).toBeLessThan(60_000);

  // A scan not sent yet: logging out asks first, and "no" keeps it.
  await context.setOffline(true);
  await scan(page, second.code);
  await expect(page.getByTestId('door-verdict')).toContainText('Admit');
  await page.getByRole('button', { name: 'Next ticket' }).click();
  await expect(page.getByTestId('door-pending')).toHaveText('1 scan waiting to be sent');
  let asked = '';
  page.once('dialog', (dialog) => { asked = dialog.message(); void dialog.dismiss(); });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' }).click();
  await expect.poll(() => asked).toContain('1 action or door scan has not been sent yet');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' })).toBeVisible();
  await context.setOffline(false);
  await expect(page.getByTestId('door-pending')).toHaveText('0 scans waiting to be sent', { timeout: 7_000 });
  await context.close();
  await admin.dispose();
});
