import { expect, Page } from '@playwright/test';

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
