import { expect, test } from '@playwright/test';
import * as net from 'net';
import { hydrated, login, newAccount } from './helpers';

/** A mail server on E2E_SMTP_PORT that takes every message; answers the messages and a way to stop it. */
async function mailServer(): Promise<{ messages: string[]; close: () => Promise<void> }> {
  const messages: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.write('220 e2e sink ESMTP\r\n');
    let buffer = '';
    let data: string | null = null;
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            messages.push(data);
            data = null;
            socket.write('250 queued\r\n');
          } else {
            data += line + '\n';
          }
          continue;
        }
        const command = line.toUpperCase();
        if (command.startsWith('EHLO') || command.startsWith('HELO')) socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (command.startsWith('DATA')) {
          data = '';
          socket.write('354 go ahead\r\n');
        } else if (command.startsWith('QUIT')) {
          socket.end('221 bye\r\n');
        } else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.E2E_SMTP_PORT || 3125), '127.0.0.1', resolve));
  // The server's mail pool keeps its connection open: close it from this side.
  return {
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

// The mail server is down: a new account's welcome email fails, and the mailer gives it up
// (FAILED). The admin finds it in the event log, the mail server comes back, and a retry
// from the page sends it, once.
test('an admin retries a failed event from /admin/events', async ({ page }) => {
  const adminEmail = process.env.E2E_ADMIN_EMAIL;
  const adminPassword = process.env.E2E_ADMIN_PASSWORD;
  expect(adminEmail && adminPassword, 'run through end2end/run.sh, which creates the admin').toBeTruthy();
  const account = newAccount('unmailed');
  const created = await page.request.post('/api/v1/auth/register', {
    data: { email: account.email, display_name: account.name, password: account.password },
  });
  expect(created.status()).toBe(201);
  const userId = (await created.json()).id as string;

  await login(page, adminEmail!, adminPassword!);
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  const entry = page.locator('li.event-entry').filter({ hasText: userId }).filter({ hasText: 'email.queued' });
  await expect
    .poll(async () => {
      await page.goto('/admin/events?state=FAILED&consumer=mailer');
      await hydrated(page);
      return entry.count();
    }, { timeout: 30_000 })
    .toBe(1);
  await expect(page.getByRole('heading', { level: 1, name: 'Event log' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Event log' })).toBeVisible();

  const mail = await mailServer();
  try {
    await entry.locator('summary').click();
    await expect(entry.getByRole('cell', { name: 'Failed', exact: true })).toBeVisible();
    await entry.getByRole('button', { name: 'Retry email.queued for mailer' }).click();
    // Done by this retry, or by the automatic one a moment before: either way, once.
    await expect(page.getByRole('status')).toHaveText(/^1 delivery made: (1 processed, 0 already done|0 processed, 1 already done), 0 failed\.$/);
    await expect.poll(() => mail.messages.filter((m) => m.includes(account.email)).length, { timeout: 10_000 }).toBe(1);
    await expect(page.locator('li.event-entry').filter({ hasText: userId }).filter({ hasText: 'email.queued' })).toHaveCount(0);
  } finally {
    await mail.close();
  }
});
