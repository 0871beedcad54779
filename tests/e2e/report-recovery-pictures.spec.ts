// Report recovery of a new key image whose save did not land: its PNG is kept once under its own localStorage key
// (the copy beside it stays small however much is typed after), comes back with the copy, and is removed with it.
import type { Page } from '@playwright/test';
import { expect, ownHostPerTest, test } from './fixtures';
import { dropReportSavesWhenHeld, openSample, reopenReport } from './report-page';

const PREFIX = 'vesalius.report-recovery.';

/** The recovery keys in localStorage with their sizes, and how often the page wrote each (counted from the page's start). */
async function recoveryStorage(page: Page): Promise<{ sizes: Record<string, number>; writes: Record<string, number> }> {
  return page.evaluate((prefix) => {
    const sizes: Record<string, number> = {};
    for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) sizes[key] = localStorage.getItem(key)!.length;
    const writes = (window as unknown as { recoveryWrites?: Record<string, number> }).recoveryWrites ?? {};
    return { sizes, writes: Object.fromEntries(Object.entries(writes).filter(([key]) => key.startsWith(prefix))) };
  }, PREFIX);
}

test.describe('report recovery of key image pictures', () => {
  const own = ownHostPerTest('report-recovery-pictures');
  test.use({ viewport: { width: 1280, height: 720 } });

  test('a new key image not saved yet: its PNG is written once under its own key, comes back on restore, and is removed once stored', async ({ page }) => {
    // Counts every localStorage write by key (an init script, before the app's own code).
    await page.addInitScript(() => {
      const counts: Record<string, number> = {};
      (window as unknown as { recoveryWrites: Record<string, number> }).recoveryWrites = counts;
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
        counts[key] = (counts[key] ?? 0) + 1;
        setItem.call(this, key, value);
      };
    });
    const saves = await dropReportSavesWhenHeld(page);
    const viewer = await openSample(page, own.host.url);
    await page.getByTestId('report-toggle').click();
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');

    // From here the page's saves never reach the store.
    saves.held = true;
    await page.getByTestId('report-add-key-image').click();
    await expect(page.getByTestId('report-key-image')).toHaveCount(1);
    const findings = page.getByTestId('report-findings');
    await findings.click();
    const typed = 'Nodule in the right upper lobe, 8 mm.';
    await page.keyboard.type(typed, { delay: 5 });
    await expect.poll(async () => Object.keys((await recoveryStorage(page)).sizes).length).toBe(2);
    const { sizes, writes } = await recoveryStorage(page);
    const pictureKey = Object.keys(sizes).find((key) => key.includes('.png.'))!;
    const copyKey = Object.keys(sizes).find((key) => key !== pictureKey)!;
    expect(pictureKey.startsWith(`${copyKey}.png.`)).toBe(true);
    // The PNG was written once; the copy (written after the typing) holds no picture of its own.
    expect(writes[pictureKey]).toBe(1);
    test.info().annotations.push({ type: 'measured', description: `recovery copy written ${writes[copyKey]} times for ${typed.length} keystrokes 5 ms apart and one capture (at most once per frame); PNG ${sizes[pictureKey]} base64 chars written once, copy ${sizes[copyKey]} chars` });
    expect(sizes[pictureKey]).toBeGreaterThan(1_000);
    expect(sizes[copyKey]).toBeLessThan(4_000);
    await expect.poll(async () => page.evaluate((key) => localStorage.getItem(key) ?? '', copyKey)).toContain('right upper lobe, 8 mm.');

    // Changes faster than frames (40 input events in one task, as a paste or key repeat can come): one write for them all.
    const burst = await page.evaluate(async (key) => {
      const writes = (window as unknown as { recoveryWrites: Record<string, number> }).recoveryWrites;
      const before = writes[key] ?? 0;
      const area = document.querySelector<HTMLTextAreaElement>('[data-testid="report-findings"]')!;
      for (const char of ' Stable since the last study, no new nodules.'.slice(0, 40)) {
        area.value += char;
        area.dispatchEvent(new Event('input', { bubbles: true }));
      }
      const inTask = (writes[key] ?? 0) - before;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      return { inTask, afterFrames: (writes[key] ?? 0) - before };
    }, copyKey);
    expect(burst).toEqual({ inTask: 0, afterFrames: 1 });
    const expected = `${typed}${' Stable since the last study, no new nodules.'.slice(0, 40)}`;
    expect(await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!).findings, copyKey)).toBe(expected);

    await reopenReport(page, viewer);
    saves.held = false;
    const notice = page.getByTestId('report-recovery');
    await expect(notice).toContainText(/Unsaved text from .+ was recovered\. Also changed: 1 key image\./);
    await notice.getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByTestId('report-findings')).toHaveValue(expected);
    await expect(page.getByTestId('report-key-image').locator('img')).toHaveCount(1);
    await expect(page.getByTestId('report-save-state')).toHaveAttribute('data-state', 'saved');
    // Stored: neither the copy nor the picture is kept any longer.
    await expect.poll(async () => Object.keys((await recoveryStorage(page)).sizes)).toEqual([]);

    // And it is the store's: a reload shows the key image with its picture and offers nothing.
    await reopenReport(page, viewer);
    await expect(page.getByTestId('report-key-image').locator('img')).toHaveCount(1);
    await expect(page.getByTestId('report-recovery')).toHaveCount(0);
  });
});
