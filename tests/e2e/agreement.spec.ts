import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { expect, ownHostPerTest, test } from './fixtures';
import { writeCachedPhantomSeries } from './phantom-cache';
import { ViewerPage } from './viewer-page';

const size = 64;
const slices = 4;

/** Label 1 on slice 1 of the 64×64×4 phantom: x in [x0, x0 + 10), y in [10, 20) — 100 voxels. */
function box(x0: number): Uint8Array {
  const values = new Uint8Array(size * size * slices);
  for (let y = 10; y < 20; y++) for (let x = x0; x < x0 + 10; x++) values[x + size * (y + size * 1)] = 1;
  return values;
}

test.describe('agreement between annotators', () => {
  const own = ownHostPerTest('agreement');

  test('three readers: the pairwise Dice per label, and their majority consensus saved as a segmentation', async ({ page }) => {
    const { niftiFile } = (await tsImport('../../core/masks/mask-fixtures.ts', import.meta.url)) as typeof import('../../core/masks/mask-fixtures');
    const seriesDir = path.join(own.work, 'study');
    await writeCachedPhantomSeries(seriesDir, { slices, rows: size, columns: size, patientName: 'Agree^Phantom' });
    // a and c agree exactly; b is shifted by 5 columns: Dice(a, b) = 2·50 / 200 = 0.5.
    for (const [name, x0] of [['a', 10], ['b', 15], ['c', 10]] as const) {
      writeFileSync(path.join(own.work, `${name}.nii`), niftiFile({ shape: [size, size, slices], values: box(x0), datatype: 'uint8' }));
    }
    const viewer = new ViewerPage(page);
    await viewer.goto(own.host.url);
    await viewer.openPath(seriesDir);
    await viewer.waitForImport();
    await viewer.waitForRender(0);

    await page.getByTestId('scoring-toggle').click();
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      await page.getByTestId('mask-path').fill(path.join(own.work, `${name}.nii`));
      await page.getByTestId('mask-path-submit').click();
      await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(i + 1);
    }
    await page.getByTestId('scoring-tab-agreement').click();
    const boxes = page.getByTestId('agreement-choose');
    await expect(boxes).toHaveCount(3);
    for (let i = 0; i < 3; i++) await boxes.nth(i).check();
    await page.getByTestId('agreement-compare').click();
    const matrices = page.getByTestId('agreement-matrix');
    await expect(matrices).toHaveCount(2); // the mean and label 1
    const label = matrices.nth(1);
    await expect(label.locator('tbody tr').nth(0).locator('td')).toHaveText(['1.0000', '0.5000', '1.0000', '100']);
    await expect(label.locator('tbody tr').nth(1).locator('td')).toHaveText(['0.5000', '1.0000', '0.5000', '100']);

    await page.getByTestId('agreement-consensus').click();
    // a and c (2 of 3) mark the same 100 voxels.
    await expect(page.getByTestId('agreement-consensus-saved')).toContainText('100 voxels');
    await page.getByRole('tab', { name: 'This series' }).click();
    await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(4);
    await expect(page.getByTestId('mask-provenance').nth(3)).toContainText('majority-vote consensus of a.nii v1, b.nii v1, c.nii v1');
  });
});
