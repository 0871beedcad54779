import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the browser-mode app in Debian's Chromium (Playwright's own browsers are
 * never downloaded). Each test file starts the host in-process against the built `dist/renderer`.
 */
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  // electron.smoke.spec.ts runs where an Electron binary exists and otherwise reports itself skipped, with the reason.
  // Two workers on CI's two cores: a test spends much of its time waiting on its own host and Chromium's GPU
  // process, so two at once take ~0.6–0.75 of the time of one (7.6 → 5.8 min when first tried). Every test has its own
  // host and data home, and the phantom cache is written by rename, so tests cannot see each other.
  workers: 2,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  outputDir: '../../test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.VESALIUS_CHROMIUM ?? '/usr/bin/chromium',
      // Playwright launches every browser with a fresh temporary user-data-dir.
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
    },
  },
});
