import { labelColor } from '../../core/annotations/palette';
import { allSaved, newSegmentation, openPhantom, segmentationEditor, segmentRows, sliceVoxelsOf, voxelsOf } from './draw-page';
import { expect, ownHostPerTest, test } from './fixtures';
import { colouredPoints, nextFrame, pagePoint, scrollTo, waitForVolumeViews } from './mpr-page';

// The phantom: 256 × 256 at 1.5 mm, SLICES axial slices 2.5 mm apart (k grows toward the head).
const SIZE = 256;
const SLICES = 24;

/** The axial view counts its slices from the head (cornerstone's axial camera looks from the feet), the stack's k from the feet. */
const axialIndexOf = (k: number): number => SLICES - 1 - k;

/** Segmentation in the volume views (issue 10 item 2): drawn in one view, shown in the others, one edit path with the stack. */
test.describe('segmentation in the MPR views', () => {
  // Wide enough that a voxel of the 256-wide phantom is more than a canvas pixel in each of the three views.
  test.use({ viewport: { width: 1600, height: 1000 } });
  const own = ownHostPerTest('mpr-seg');

  test('a brush stroke in the sagittal view paints that sagittal plane, shows in the axial view at its place, and undo removes it', async ({ page }) => {
    await openPhantom(page, own, SLICES);
    await newSegmentation(page);
    const row = segmentRows(page).first();
    await page.keyboard.press('b');
    await page.getByTestId('command-layout.1x3').click();
    await waitForVolumeViews(page);

    // A sagittal plane off the middle, so a mix-up of the x index (or its direction) shows.
    const sagittalIndex = 112;
    await scrollTo(page, 'sagittal', sagittalIndex);
    // Sagittal: anterior on the left (j grows to the right), the head at the top. A stroke from feet to the middle
    // at j ≈ 0.35 · 256 paints the lower slices only.
    const strokeFx = 0.35;
    const strokeJ = Math.round(strokeFx * SIZE);
    const colour = labelColor(1);
    // The axial view on a slice in the lower half (k = 8) shows no segment yet.
    const sliceInside = 8;
    await scrollTo(page, 'axial', axialIndexOf(sliceInside));
    expect(await colouredPoints(page, 'axial', colour)).toEqual([]);
    const from = await pagePoint(page, 'sagittal', strokeFx, 0.95);
    const to = await pagePoint(page, 'sagittal', strokeFx, 0.6);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await nextFrame(page);
    await page.mouse.move(to.x, to.y, { steps: 10 });
    await nextFrame(page);
    await page.mouse.up();

    await expect.poll(() => voxelsOf(row)).toBeGreaterThan(0);
    const perSlice = await sliceVoxelsOf(row);
    const paintedSlices = perSlice.flatMap((n, z) => (n > 0 ? [z] : []));
    // Across several slices, all in the lower half (k small = feet).
    expect(paintedSlices.length).toBeGreaterThan(3);
    expect(Math.max(...paintedSlices)).toBeLessThan(SLICES / 2);
    await allSaved(page);

    // The stored voxels: every one on a single column x, the sagittal plane shown, and around j of the stroke.
    const maskSetId = (await segmentationEditor(page).getAttribute('data-mask-set-id'))!;
    const data = await own.host.service.handlers['masks.data']({ maskSetId, segment: 1, zStart: 0 }, { transport: 'direct', caller: 'mpr-seg e2e' });
    if (!data.ok) throw new Error(data.error.message);
    const xs = new Set<number>();
    const ys: number[] = [];
    data.value.labels.forEach((label, index) => {
      if (!label) return;
      xs.add(index % SIZE);
      ys.push(Math.floor(index / SIZE) % SIZE);
    });
    expect([...xs]).toEqual([sagittalIndex]);
    const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
    expect(Math.abs(meanY - strokeJ)).toBeLessThan(3);
    await page.screenshot({ path: test.info().outputPath('sagittal-stroke.png') });

    // Fill and outline are per segment switches of every view's labelmap style: both off hide the stroke, either one shows it.
    const sagittalColoured = async () => (await colouredPoints(page, 'sagittal', colour)).length;
    await expect.poll(sagittalColoured).toBeGreaterThan(0);
    await row.getByTestId('segment-fill').uncheck();
    await expect.poll(sagittalColoured).toBeGreaterThan(0);
    await row.getByTestId('segment-outline').uncheck();
    await expect.poll(sagittalColoured).toBe(0);
    await row.getByTestId('segment-fill').check();
    await expect.poll(sagittalColoured).toBeGreaterThan(0);
    await row.getByTestId('segment-outline').check();

    // The sagittal view moves on, so its crosshair line in the axial view no longer lies over column x.
    await scrollTo(page, 'sagittal', sagittalIndex + 6);
    // The axial view, on a slice the stroke painted: the segment's colour on column x, around j of the stroke, and nowhere else.
    expect(paintedSlices).toContain(sliceInside);
    await scrollTo(page, 'axial', axialIndexOf(sliceInside));
    await expect.poll(async () => (await colouredPoints(page, 'axial', colour)).length).toBeGreaterThan(0);
    const shown = await colouredPoints(page, 'axial', colour);
    await page.screenshot({ path: test.info().outputPath('axial-shows-stroke.png') });
    const voxelWidth = 1 / SIZE;
    for (const [fx, fy] of shown) {
      expect(Math.abs(fx - (sagittalIndex + 0.5) * voxelWidth)).toBeLessThan(2 * voxelWidth);
      expect(Math.abs(fy - (strokeJ + 0.5) * voxelWidth)).toBeLessThan(6 * voxelWidth);
    }
    // A slice above the stroke shows none of it.
    await scrollTo(page, 'axial', axialIndexOf(SLICES - 3));
    expect(await colouredPoints(page, 'axial', colour)).toEqual([]);

    // Undo: one edit, gone from the voxels and from the axial view.
    await scrollTo(page, 'axial', axialIndexOf(sliceInside));
    // The toolbar's Undo: the same command as Ctrl+Z, which is not taken as a shortcut while a panel checkbox has the focus.
    await page.getByTestId('command-edit.undo').click();
    await expect.poll(() => voxelsOf(row)).toBe(0);
    await expect.poll(async () => (await colouredPoints(page, 'axial', colour)).length).toBe(0);
    await allSaved(page);
  });
});
