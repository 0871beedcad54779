import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './fixtures';
import { writePhantomSeries } from '../../core/fixtures/phantom';
import { newUid } from '../../core/fixtures/dicom-writer';

// Thumbnails never compete with the first image of the series being opened (viewer state's FirstImageGate):
// the series list appears before the app gives the viewer its first series, and no thumbnail's file is
// fetched before that series' first image is drawn.

test.use({ withDataDir: false });

test('after an import, every thumbnail is fetched after the first image is shown, and all are drawn', async ({ viewer, page }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-thumbnail-order-'));
  try {
    const study = newUid();
    for (const name of ['one', 'two', 'three']) {
      await writePhantomSeries(path.join(dir, name), { slices: 3, rows: 64, columns: 64, studyInstanceUid: study, seriesDescription: `Phantom ${name}` });
    }
    await viewer.openPath(dir);
    await viewer.waitForImport();
    await expect(viewer.seriesItems).toHaveCount(3);
    await viewer.waitForRender(0);
    await expect(page.getByTestId('series-thumbnail')).toHaveCount(3);
    // Each thumbnail (a series' middle slice) is a file of its own: three fetches besides the first image's.
    await expect.poll(() => page.evaluate(() => new Set(performance.getEntriesByType('resource').filter((e) => e.name.includes('/dicom/')).map((e) => e.name)).size)).toBeGreaterThanOrEqual(4);
    const { firstImageAt, before } = await page.evaluate(() => {
      const mark = performance.getEntriesByName('vesalius:first-image-rendered')[0];
      const fetched = performance.getEntriesByType('resource').filter((e) => e.name.includes('/dicom/'));
      return { firstImageAt: mark?.startTime ?? null, before: [...new Set(fetched.filter((e) => mark && e.startTime < mark.startTime).map((e) => e.name))] };
    });
    expect(firstImageAt).not.toBeNull();
    // Only the first image's own file was asked for before it was drawn.
    expect(before).toHaveLength(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
