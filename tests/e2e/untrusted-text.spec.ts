import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writePhantomSeries } from '../../core/fixtures/phantom';
import { expect, test } from './fixtures';

test.use({ withDataDir: false });

// Names and descriptions come from files anyone can write: they are shown as text, never read as markup.
test('markup in a patient name and a series description is shown as text, and nothing of it runs', async ({ viewer, page }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-markup-'));
  const patientName = '<img src=x onerror="window.__pwned=1">^Doe';
  const seriesDescription = '<script>window.__pwned=2</script><b>bold</b>';
  try {
    await writePhantomSeries(dir, { slices: 2, rows: 16, columns: 16, patientName, seriesDescription });
    await viewer.openPath(dir);
    await viewer.waitForImport();
    // The host is shared with earlier tests of this worker: the study just opened is the selected one.
    await expect(page.locator('[data-testid="study-item"][aria-pressed="true"]')).toContainText(patientName);
    await expect(viewer.seriesItems.first()).toContainText('<b>bold</b>');
    await viewer.waitForRender(0);
    await expect(page.getByTestId('patient-name')).toHaveText(patientName);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // No element was made from the text: the page holds no <img src=x> and no <b> made of the description.
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('[data-testid="series-item"] b', { hasText: 'bold' }).count()).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
