import { expect, test } from '@playwright/test';
import { awaitUnread, hydrated, newAccount, register } from './helpers';

// The header's badge counts unread notifications (the welcome one, made by the notifier
// after sign-up); opening the list and marking it read clears the badge; the settings
// page keeps what was chosen.
test('the badge counts a new notification, and marking it read clears it', async ({ page }) => {
  const account = newAccount('bell');
  await register(page, account);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await awaitUnread(page, 1);
  await expect(nav.getByRole('link', { name: 'Notifications, 1 unread' })).toContainText('1');

  await nav.getByRole('link', { name: 'Notifications, 1 unread' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await expect(page.getByRole('heading', { name: `Welcome to Taquilla, ${account.name}!` })).toBeVisible();
  await page.getByRole('button', { name: `Mark read: Welcome to Taquilla, ${account.name}!` }).click();
  await expect(page.getByRole('button', { name: /^Mark read:/ })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Notifications', exact: true })).toBeVisible();

  // Nothing unread is left.
  await page.getByRole('link', { name: 'Unread' }).click();
  await expect(page.getByText('You have read everything.')).toBeVisible();

  await page.getByRole('link', { name: 'Notification settings' }).click();
  const paidByEmail = page.getByRole('checkbox', { name: 'Order paid, tickets ready: Email' });
  await expect(paidByEmail).toBeChecked();
  await paidByEmail.uncheck();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your notification settings are saved.' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Order paid, tickets ready: Email' })).not.toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Order paid, tickets ready: In Taquilla' })).toBeChecked();
});

// The list works on a phone too, in Spanish.
test('the notifications page reads in Spanish on a phone', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'es-ES', extraHTTPHeaders: { 'Accept-Language': 'es' }, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const account = newAccount('campana');
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Correo electrónico').fill(account.email);
  await page.getByLabel('Nombre visible').fill(account.name);
  await page.getByLabel('Contraseña').fill(account.password);
  await page.getByRole('button', { name: 'Crear cuenta' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Gracias por registrarte.' })).toBeVisible();
  await page.getByLabel('Correo electrónico').fill(account.email);
  await page.getByLabel('Contraseña').fill(account.password);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page.getByRole('heading', { name: `Hola, ${account.name}` })).toBeVisible();
  await expect
    .poll(async () => {
      await page.goto('/notifications');
      await hydrated(page);
      return page.getByRole('heading', { name: `¡Te damos la bienvenida a Taquilla, ${account.name}!` }).count();
    }, { timeout: 15_000 })
    .toBe(1);
  await expect(page.getByRole('heading', { level: 1, name: 'Notificaciones' })).toBeVisible();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await context.close();
});
