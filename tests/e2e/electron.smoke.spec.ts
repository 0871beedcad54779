// Smoke test of the packaged-style desktop app: launches Electron on dist/main/main.cjs (after `npm run build`).
// Runs only where the Electron binary is installed; everywhere else it is skipped with the reason.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function electronBinary(): string | null {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    // The electron package throws when its binary was never downloaded.
    return null;
  }
}

const binary = electronBinary();
const skipReason =
  'electron binary not downloadable on this machine; the glue is tested in main/*.test.ts with a fake electron';
// The list reporter shows a skipped test without its reason, so say it once here.
if (binary === null) console.log(`electron.smoke.spec.ts: skipped: ${skipReason}`);

test.describe('Electron app', () => {
  test.skip(binary === null, skipReason);

  test('opens the hardened window on vesalius://app and answers app.info over IPC', async () => {
    const app = await electron.launch({ executablePath: binary ?? undefined, args: [root], cwd: root });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(page.url()).toBe('vesalius://app/index.html');

      // The page sees window.api and nothing of Node.
      const surface = await page.evaluate(() => ({
        hasRequire: typeof (globalThis as { require?: unknown }).require !== 'undefined',
        hasProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined',
        apiKeys: Object.keys((globalThis as unknown as { api: Record<string, unknown> }).api).sort(),
      }));
      expect(surface.hasRequire).toBe(false);
      expect(surface.hasProcess).toBe(false);
      expect(surface.apiKeys).toContain('app.info');
      expect(surface.apiKeys).toContain('getPathForFile');

      const info = await page.evaluate(() =>
        (globalThis as unknown as { api: { 'app.info': (args: object) => Promise<unknown> } }).api['app.info']({}),
      );
      expect(info).toMatchObject({ ok: true, value: { name: 'Vesalius', transport: 'electron' } });

      // Offline by design: the session refuses the network.
      const blocked = await page.evaluate(() =>
        fetch('https://example.com/').then(
          () => 'fetched',
          () => 'blocked',
        ),
      );
      expect(blocked).toBe('blocked');

      // New windows are denied, and the app keeps its single window.
      expect(await page.evaluate(() => window.open('vesalius://app/index.html') === null)).toBe(true);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    } finally {
      await app.close();
    }
  });
});
