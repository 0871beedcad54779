import type { Page } from '@playwright/test';
import { allSaved, newSegmentation, openPhantom as openPhantomWith, segmentRows, voxelsOf } from './draw-page';
import { expect, ownHostPerTest, test } from './fixtures';
import type { ViewerPage } from './viewer-page';

/** Annotators draw: brush strokes on cornerstone labelmaps, per-segment voxel counts, undo/redo, autosave. */
test.describe('drawing segmentations', () => {
  const own = ownHostPerTest('draw');
  // Drawing must not throw anywhere: the fixtures' pageErrors check fails a test on any uncaught page error.
  const openPhantom = (page: Page): Promise<ViewerPage> => openPhantomWith(page, own);
  const rows = segmentRows;
  const voxels = voxelsOf;
  const saved = allSaved;

  test('a brush stroke paints voxels that are saved and come back after a reload; undo removes them, redo restores them', async ({ page }) => {
    const viewer = await openPhantom(page);
    await newSegmentation(page);
    await page.keyboard.press('b');
    await expect(page.getByTestId('command-tool.brush')).toHaveAttribute('aria-pressed', 'true');
    await viewer.dragOnImage([0.3, 0.5], [0.6, 0.5]);
    await expect.poll(() => voxels(rows(page).first())).toBeGreaterThan(0);
    const painted = await voxels(rows(page).first());
    // Autosave within 2 s of the stroke (the bound), without pressing anything.
    const strokeEnd = Date.now();
    await saved(page);
    expect(Date.now() - strokeEnd).toBeLessThan(2_000 + 1_000);
    await page.screenshot({ path: test.info().outputPath('stroke.png') });

    await page.reload();
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await page.getByTestId('segments-toggle').click();
    await expect(rows(page)).toHaveCount(1);
    await expect.poll(() => voxels(rows(page).first())).toBe(painted);

    // Undo/redo are per session: a fresh stroke after the reload is what they work on.
    await page.keyboard.press('b');
    await viewer.dragOnImage([0.3, 0.7], [0.6, 0.7]);
    await expect.poll(() => voxels(rows(page).first())).toBeGreaterThan(painted);
    const twoStrokes = await voxels(rows(page).first());
    await page.keyboard.press('Control+z');
    await expect.poll(() => voxels(rows(page).first())).toBe(painted);
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(() => voxels(rows(page).first())).toBe(twoStrokes);
    await page.getByTestId('command-edit.undo').click();
    await expect.poll(() => voxels(rows(page).first())).toBe(painted);
    await saved(page);
  });

  test('the eraser removes voxels; deleting a segment is undone with its voxels', async ({ page }) => {
    const viewer = await openPhantom(page);
    await newSegmentation(page);
    await page.getByTestId('segment-add').click();
    await expect(rows(page)).toHaveCount(2);
    // With two segments either can go (the store keeps at least one).
    await expect(rows(page).first().getByTestId('segment-delete')).toBeEnabled();
    // The new segment is the one drawn on.
    await expect(rows(page).nth(1).getByTestId('segment-active')).toBeChecked();
    await page.keyboard.press('b');
    await viewer.dragOnImage([0.3, 0.4], [0.7, 0.4]);
    await expect.poll(() => voxels(rows(page).nth(1))).toBeGreaterThan(0);
    const painted = await voxels(rows(page).nth(1));

    await page.keyboard.press('e');
    await viewer.dragOnImage([0.5, 0.3], [0.5, 0.5]);
    await expect.poll(() => voxels(rows(page).nth(1))).toBeLessThan(painted);
    await page.keyboard.press('Control+z');
    await expect.poll(() => voxels(rows(page).nth(1))).toBe(painted);

    // Rename and recolour are edits too: each one undo step.
    const label = rows(page).nth(1).getByTestId('segment-label');
    await label.fill('Nodule');
    await label.press('Enter');
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /rename segment Segment 2 to Nodule/);
    await rows(page).nth(1).getByTestId('segment-color').fill('#00ff00');
    await expect(rows(page).nth(1).getByTestId('segment-color')).toHaveValue('#00ff00');
    await page.getByTestId('command-edit.undo').click();
    await expect(rows(page).nth(1).getByTestId('segment-color')).not.toHaveValue('#00ff00');
    await page.getByTestId('command-edit.undo').click();
    await expect(label).toHaveValue('Segment 2');
    await page.getByTestId('command-edit.redo').click();
    await expect(label).toHaveValue('Nodule');

    await rows(page).nth(1).getByTestId('segment-delete').click();
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first().getByTestId('segment-delete')).toBeDisabled();
    await saved(page);
    await page.keyboard.press('Control+z');
    await expect(rows(page)).toHaveCount(2);
    await expect.poll(() => voxels(rows(page).nth(1))).toBe(painted);
    await saved(page);

    await page.reload();
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await page.getByTestId('segments-toggle').click();
    await expect(rows(page)).toHaveCount(2);
    await expect.poll(() => voxels(rows(page).nth(1))).toBe(painted);
  });

  test('two overlapping segments keep both masks whole', async ({ page }) => {
    const viewer = await openPhantom(page);
    await newSegmentation(page);
    await page.keyboard.press('b');
    await viewer.dragOnImage([0.3, 0.5], [0.7, 0.5]);
    await expect.poll(() => voxels(rows(page).first())).toBeGreaterThan(0);
    const first = await voxels(rows(page).first());

    await page.getByTestId('segment-add').click();
    await viewer.dragOnImage([0.5, 0.3], [0.5, 0.7]);
    await expect.poll(() => voxels(rows(page).nth(1))).toBeGreaterThan(0);
    // The crossing stroke painted segment 2 only: segment 1 keeps every voxel, the shared ones included.
    expect(await voxels(rows(page).first())).toBe(first);
    const second = await voxels(rows(page).nth(1));
    await page.screenshot({ path: test.info().outputPath('overlap.png') });
    await saved(page);

    // The store keeps both whole (its per-segment counts); after a reload the page reads the segments the
    // one label map cut short on their own (masks.data with `segment`): both come back whole and editable.
    await page.reload();
    await page.getByTestId('study-item').click();
    await viewer.waitForRender(0);
    await page.getByTestId('segments-toggle').click();
    await expect(rows(page)).toHaveCount(2);
    await expect.poll(() => voxels(rows(page).first())).toBe(first);
    await expect.poll(() => voxels(rows(page).nth(1))).toBe(second);
    await expect(page.getByTestId('segmentation-read-only')).toHaveCount(0);
    await expect(page.getByTestId('segment-add')).toBeEnabled();
    // Editable: a stroke on segment 1 is saved like any other.
    await rows(page).first().getByTestId('segment-active').check();
    await page.keyboard.press('b');
    await viewer.dragOnImage([0.3, 0.7], [0.7, 0.7]);
    await expect.poll(() => voxels(rows(page).first())).toBeGreaterThan(first);
    expect(await voxels(rows(page).nth(1))).toBe(second);
    await saved(page);
  });
});
