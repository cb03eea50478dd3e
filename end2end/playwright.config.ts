import { defineConfig } from '@playwright/test';

/**
 * Taquilla end-to-end tests.
 *
 * The server is NOT started here: `make e2e` (end2end/run.sh) starts the release
 * build on 127.0.0.1:3100 with a fresh data directory and points
 * TAQUILLA_E2E_URL at it. To run against a server you started yourself:
 *
 *   TAQUILLA_E2E_URL=http://127.0.0.1:3000 npx playwright test
 *
 * The browser is the system Chromium (Debian package `chromium`); Playwright's
 * own browser downloads are never used. Override with CHROMIUM_PATH.
 */
const baseURL = process.env.TAQUILLA_E2E_URL || 'http://127.0.0.1:3000';

const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: './test-results',
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    locale: 'en-US',
    timezoneId: 'UTC',
  },
  projects: [
    {
      name: 'desktop',
      use: {
        viewport: { width: 1280, height: 800 },
        launchOptions,
      },
    },
    {
      name: 'phone',
      use: {
        viewport: { width: 390, height: 844 },
        isMobile: true,
        hasTouch: true,
        launchOptions,
      },
    },
  ],
});
