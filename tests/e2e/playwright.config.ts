import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the browser-mode app in Debian's Chromium (Playwright's own browsers are
 * never downloaded). Each test file starts the host in-process against the built `dist/renderer`.
 */
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  // electron.smoke.spec.ts runs where an Electron binary exists and otherwise reports itself skipped, with the reason.
  // Two shared CPU cores: one browser at a time keeps timings sane for everyone.
  workers: 1,
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
