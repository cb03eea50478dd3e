import { expect, test } from '@playwright/test';
import { hydrated, login, logout, newAccount, register } from './helpers';

test('register, log out, log in and see my name', async ({ page }) => {
  const me = newAccount('ana');
  await register(page, me);
  await expect(page.getByRole('link', { name: me.name })).toBeVisible();
  await logout(page);
  await expect(page.getByRole('link', { name: me.name })).toHaveCount(0);

  await login(page, me.email.toUpperCase(), me.password);
  await expect(page.getByRole('link', { name: me.name })).toBeVisible();
  await page.getByRole('link', { name: me.name }).click();
  await expect(page.getByRole('heading', { name: `Hello, ${me.name}` })).toBeVisible();
});

test('a wrong password shows an error', async ({ page }) => {
  const me = newAccount('ben');
  await register(page, me);
  await logout(page);
  await login(page, me.email, 'not-my-password');
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();
});

test('registration explains what is wrong with each field', async ({ page }) => {
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Email').fill('someone@example.com');
  await page.getByLabel('Display name').fill('Someone');
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('This password is too common; choose another one.')).toBeVisible();
});

test('an admin deactivates a user, who then cannot log in', async ({ page }) => {
  const adminEmail = process.env.E2E_ADMIN_EMAIL;
  const adminPassword = process.env.E2E_ADMIN_PASSWORD;
  expect(adminEmail && adminPassword, 'E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD: run through end2end/run.sh, which creates the admin').toBeTruthy();

  const user = newAccount('carla');
  await register(page, user);
  await logout(page);

  await login(page, adminEmail!, adminPassword!);
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await page.goto(`/admin/users?q=${encodeURIComponent(user.email)}`);
  await hydrated(page);
  const row = page.getByRole('row').filter({ hasText: user.email });
  await expect(row).toContainText('Active');
  await row.getByRole('button', { name: `Deactivate ${user.email}` }).click();
  await expect(row).toContainText('Deactivated');
  await expect(row.getByRole('button', { name: `Reactivate ${user.email}` })).toBeVisible();
  await logout(page);

  await login(page, user.email, user.password);
  await expect(page.getByRole('alert')).toHaveText('This account has been deactivated.');
});

test('admin pages are refused to customers', async ({ page }) => {
  await register(page, newAccount('dan'));
  await page.goto('/admin/users');
  await expect(page.getByRole('alert')).toContainText('not allowed');
});
