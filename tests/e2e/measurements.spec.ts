import path from 'node:path';
import { PHANTOM_HU } from '../../core/fixtures/phantom';
import { expect, ownHostPerTest, test } from './fixtures';
import { writeCachedPhantomSeries } from './phantom-cache';
import { ViewerPage } from './viewer-page';

/** Normalised phantom coordinates (u, v ∈ [-1, 1], see core/fixtures/phantom.ts) as image fractions. */
const at = (u: number, v: number): [number, number] => [(u + 1) / 2, (v + 1) / 2];

test.describe('measurements', () => {
  const own = ownHostPerTest('measure');

  test('ellipse and rectangle ROIs show the phantom tissue HU exactly; an angle; undo and redo; deleted ones stay deleted after a restart', async ({ page }) => {
    const seriesDir = path.join(own.work, 'study');
    await writeCachedPhantomSeries(seriesDir, { slices: 3, rows: 128, columns: 128, patientName: 'Measure^Phantom' });
    const viewer = new ViewerPage(page);
    await viewer.goto(own.host.url);
    await viewer.openPath(seriesDir);
    await viewer.waitForImport();
    await viewer.waitForRender(0);
    await page.getByTestId('scoring-toggle').click();

    // An ellipse from its centre, inside the soft tissue between the lungs (40 HU everywhere there).
    await page.keyboard.press('o');
    await expect(page.getByTestId('command-tool.ellipse')).toHaveAttribute('aria-pressed', 'true');
    await viewer.dragOnImage(at(0, -0.05), at(0.08, 0.05));
    const items = page.getByTestId('measurement-item');
    await expect(items).toHaveCount(1);
    await expect(items.nth(0)).toHaveAttribute('data-kind', 'Ellipse');
    await expect(items.nth(0).getByTestId('measurement-value')).toContainText(`mean ${PHANTOM_HU.softTissue} HU · SD 0`);
    // The viewport's own text box shows the same statistics.
    await expect(viewer.viewport.locator('svg text').filter({ hasText: `Mean ${PHANTOM_HU.softTissue} HU` })).toHaveCount(1);

    // A rectangle inside the left lung (phantom u −0.38).
    await page.keyboard.press('q');
    await viewer.dragOnImage(at(-0.42, -0.1), at(-0.34, 0));
    await expect(items).toHaveCount(2);
    await expect(items.nth(1).getByTestId('measurement-value')).toContainText(`mean ${PHANTOM_HU.lung} HU · SD 0`);
    await expect(viewer.viewport.locator('svg text').filter({ hasText: `Mean ${PHANTOM_HU.lung} HU` })).toHaveCount(1);

    // An angle: press at the first point, drag to the vertex, click the third point.
    await page.keyboard.press('a');
    await viewer.dragOnImage([0.3, 0.7], [0.5, 0.7]);
    const third = await viewer.imagePoint(0.5, 0.5);
    await page.mouse.click(third.x, third.y);
    await expect(items).toHaveCount(3);
    await expect(items.nth(2).getByTestId('measurement-value')).toHaveText('90.0°');
    await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');

    // Measurements are in the series' undo history: undo takes the angle away, redo puts it back.
    await page.keyboard.press('Control+z');
    await expect(items).toHaveCount(2);
    await page.keyboard.press('Control+Shift+Z');
    await expect(items).toHaveCount(3);
    await expect(items.nth(2).getByTestId('measurement-value')).toHaveText('90.0°');

    // Deleting from the list takes it off the image too.
    await items.nth(1).getByTestId('measurement-delete').click();
    await expect(items).toHaveCount(2);
    await expect(viewer.viewport.locator('svg text').filter({ hasText: `Mean ${PHANTOM_HU.lung} HU` })).toHaveCount(0);
    // Undo of the delete brings the rectangle back, on the image too; delete it again.
    await page.keyboard.press('Control+z');
    await expect(items).toHaveCount(3);
    await expect(viewer.viewport.locator('svg text').filter({ hasText: `Mean ${PHANTOM_HU.lung} HU` })).toHaveCount(1);
    await page.getByTestId('measurement-item').filter({ hasText: 'Rectangle' }).getByTestId('measurement-delete').click();
    await expect(items).toHaveCount(2);
    await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');

    await own.restart();
    await viewer.goto(own.host.url);
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await page.getByTestId('scoring-toggle').click();
    await expect(items).toHaveCount(2);
    await expect(items.nth(0).getByTestId('measurement-value')).toContainText(`mean ${PHANTOM_HU.softTissue} HU`);
    await expect(items.nth(1).getByTestId('measurement-value')).toHaveText('90.0°');
  });
});
