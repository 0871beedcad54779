import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { expect, ownHostPerTest, test } from './fixtures';
import { writeCachedPhantomSeries } from './phantom-cache';
import { ViewerPage } from './viewer-page';

const size = 64;
const slices = 4;

/** A label-1 box on slice 1 of the 64×64×4 phantom. */
function boxMask(): Uint8Array {
  const values = new Uint8Array(size * size * slices);
  for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) values[x + size * (y + size * 1)] = 1;
  return values;
}

/** The annotation store survives a restart: masks with provenance and their ground-truth mark, length measurements. */
test.describe('the annotation store', () => {
  const own = ownHostPerTest('annotations');

  const writeStudy = async (blankUids: boolean) => {
    const { niftiFile } = (await tsImport('../../core/masks/mask-fixtures.ts', import.meta.url)) as typeof import('../../core/masks/mask-fixtures');
    const seriesDir = path.join(own.work, 'study');
    await writeCachedPhantomSeries(seriesDir, { slices, rows: size, columns: size, patientName: 'Store^Phantom', blankUids });
    writeFileSync(path.join(own.work, 'expert.nii'), niftiFile({ shape: [size, size, slices], values: boxMask(), datatype: 'uint8', spacingMm: [1.5, 1.5, 2.5] }));
    return seriesDir;
  };

  test('a mask opened as expert and marked as ground truth is still there, with its provenance, after a restart', async ({ page }) => {
    const seriesDir = await writeStudy(false);
    const viewer = new ViewerPage(page);
    await viewer.goto(own.host.url);
    await viewer.openPath(seriesDir);
    await viewer.waitForImport();
    await viewer.waitForRender(0);

    await page.getByTestId('scoring-toggle').click();
    await page.getByTestId('mask-open-role').selectOption('expert');
    await page.getByTestId('mask-path').fill(path.join(own.work, 'expert.nii'));
    await page.getByTestId('mask-path-submit').click();
    await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(1);
    await expect(page.getByTestId('mask-provenance')).toContainText(`expert`);
    await expect(page.getByTestId('mask-provenance')).toContainText(path.join(own.work, 'expert.nii'));
    await page.getByTestId('mark-ground-truth').click();
    await expect(page.getByTestId('ground-truth-badge')).toBeVisible();
    await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');

    await own.restart();
    await viewer.goto(own.host.url);
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await page.getByTestId('scoring-toggle').click();
    await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(1);
    await expect(page.getByTestId('ground-truth-badge')).toBeVisible();
    await expect(page.getByTestId('mask-provenance')).toContainText('expert');
    await expect(page.getByTestId('mask-provenance')).toContainText('expert.nii');
  });

  test('a series with a derived key takes masks, and a drawn length comes back after a restart', async ({ page }) => {
    const seriesDir = await writeStudy(true);
    const viewer = new ViewerPage(page);
    await viewer.goto(own.host.url);
    await viewer.openPath(seriesDir);
    await viewer.waitForImport();
    await viewer.waitForRender(0);

    // A length across the middle of the first slice.
    await page.keyboard.press('l');
    await viewer.dragOnImage([0.25, 0.5], [0.75, 0.5]);
    await expect(viewer.viewport.locator('svg text').filter({ hasText: 'mm' })).toHaveCount(1);

    await page.getByTestId('scoring-toggle').click();
    await expect(page.getByTestId('measurement-item')).toHaveCount(1);
    await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
    await page.getByTestId('mask-path').fill(path.join(own.work, 'expert.nii'));
    await page.getByTestId('mask-path-submit').click();
    await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(1);
    await expect(page.getByTestId('mask-open-errors')).toHaveCount(0);

    await own.restart();
    await viewer.goto(own.host.url);
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await expect(viewer.viewport.locator('svg text').filter({ hasText: 'mm' })).toHaveCount(1);
    await page.getByTestId('scoring-toggle').click();
    await expect(page.getByTestId('measurement-item')).toHaveCount(1);
    await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(1);
  });
});
