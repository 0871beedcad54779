import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { labelColor } from '../../core/annotations/palette';
import { newSegmentation, openPhantom, segmentRows, sliceVoxelsOf, voxelsOf } from './draw-page';
import { expect, hostPerFile, test } from './fixtures';
import { colouredPoints, imageRect, mprView, nextFrame, pagePoint, scrollTo, waitForVolumeViews, type Axis } from './mpr-page';

// The phantom: 256 × 256 at 1.5 mm, SLICES axial slices 2.5 mm apart (k grows toward the head).
const SIZE = 256;
const SLICES = 24;
const PIXEL_MM = 1.5;
/** The axial view counts its slices from the head, the stack's k from the feet. */
const axialIndexOf = (k: number): number => SLICES - 1 - k;

/** The brush outline over one volume view (each view's cell holds its own). */
const brushCursorOf = (page: Page, axis: Axis): Locator => mprView(page, axis).locator('..').getByTestId('brush-cursor');

/** One 3D texture upload as WebGL2 was asked for it: which call, the slice offset and depth, the texel type. */
interface Upload {
  call: 'texImage3D' | 'texSubImage3D';
  zOffset: number;
  depth: number;
  type: number;
}

/**
 * Counts every 3D texture upload of the page (the volume views' image and labelmap volumes are 3D textures; the
 * stack's are 2D): WebGL2's texImage3D / texSubImage3D are wrapped before any page script runs.
 */
async function recordTextureUploads(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const uploads: Upload[] = [];
    (globalThis as { __textureUploads?: Upload[] }).__textureUploads = uploads;
    const proto = WebGL2RenderingContext.prototype;
    const full = proto.texImage3D as (...args: unknown[]) => void;
    const sub = proto.texSubImage3D as (...args: unknown[]) => void;
    // texImage3D(target, level, internalformat, width, height, depth, border, format, type, …)
    proto.texImage3D = function (this: WebGL2RenderingContext, ...args: unknown[]) {
      uploads.push({ call: 'texImage3D', zOffset: 0, depth: args[5] as number, type: args[8] as number });
      return full.apply(this, args);
    } as typeof proto.texImage3D;
    // texSubImage3D(target, level, xoffset, yoffset, zoffset, width, height, depth, format, type, …)
    proto.texSubImage3D = function (this: WebGL2RenderingContext, ...args: unknown[]) {
      uploads.push({ call: 'texSubImage3D', zOffset: args[4] as number, depth: args[7] as number, type: args[9] as number });
      return sub.apply(this, args);
    } as typeof proto.texSubImage3D;
  });
}

/** The uploads recorded since the last call (and forgets them). */
const takeUploads = (page: Page): Promise<Upload[]> =>
  page.evaluate(() => {
    const uploads = (globalThis as { __textureUploads?: Upload[] }).__textureUploads;
    if (!uploads) throw new Error('texture uploads are not recorded on this page');
    return uploads.splice(0);
  });

/** The labelmaps' 3D textures hold one byte a voxel: the CT's do not (16-bit or float). */
const UNSIGNED_BYTE = 5121;
const labelmapUploads = (uploads: Upload[]): Upload[] => uploads.filter((u) => u.type === UNSIGNED_BYTE);
/** Slices uploaded, counted with repeats (a texSubImage3D of depth d uploads d slices). */
const slicesUploaded = (uploads: Upload[]): number => uploads.reduce((n, u) => n + u.depth, 0);

test.describe('the brush in the MPR views', () => {
  // Wide enough that a voxel of the 256-wide phantom is more than a canvas pixel in each of the three views.
  test.use({ viewport: { width: 1600, height: 1000 } });
  const own = hostPerFile('mpr-layers-brush');

  test('the brush outline follows the pointer in each volume view at its own zoom; a plain move uploads no texture, a stroke only the slices it changed', async ({ page }) => {
    await recordTextureUploads(page);
    await openPhantom(page, own, SLICES);
    await newSegmentation(page);
    const row = segmentRows(page).first();
    await page.keyboard.press('b');
    await page.getByTestId('command-layout.1x3').click();
    await waitForVolumeViews(page);
    const radiusMm = 5;
    await expect(page.getByTestId('brush-size')).toHaveText(`Brush ${radiusMm} mm`);

    // The outline under the pointer: centred on it, its radius the brush's in that view's canvas px per mm.
    const radii: Partial<Record<Axis, number>> = {};
    for (const axis of ['axial', 'sagittal'] as const) {
      const at = await pagePoint(page, axis, 0.4, 0.5);
      await page.mouse.move(at.x, at.y, { steps: 3 });
      const cursor = brushCursorOf(page, axis);
      await expect(cursor).toBeVisible();
      // Across: 256 voxels of 1.5 mm span the volume's outline in both views.
      const pxPerMm = (await imageRect(page, axis)).width / (SIZE * PIXEL_MM);
      const radiusPx = Number(await cursor.getAttribute('data-radius-px'));
      expect(Math.abs(radiusPx - radiusMm * pxPerMm)).toBeLessThan(0.05 * radiusMm * pxPerMm);
      const box = (await cursor.boundingBox())!;
      expect(Math.abs(box.x + box.width / 2 - at.x)).toBeLessThan(2);
      expect(Math.abs(box.y + box.height / 2 - at.y)).toBeLessThan(2);
      // Only the view under the pointer shows one; the hidden stack none.
      for (const other of ['axial', 'sagittal', 'coronal'] as const) if (other !== axis) await expect(brushCursorOf(page, other)).toHaveCount(0);
      radii[axis] = radiusPx;
    }
    // Zoomed in (Ctrl+wheel), the sagittal view's outline grows with its pixels.
    const before = (await imageRect(page, 'sagittal')).width;
    await page.keyboard.down('Control');
    for (let notch = 0; notch < 8; notch++) await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    await expect.poll(async () => (await imageRect(page, 'sagittal')).width).toBeGreaterThan(1.15 * before);
    const zoomedAt = await pagePoint(page, 'sagittal', 0.5, 0.5);
    await page.mouse.move(zoomedAt.x, zoomedAt.y, { steps: 2 });
    const zoomedPxPerMm = (await imageRect(page, 'sagittal')).width / (SIZE * PIXEL_MM);
    await expect.poll(async () => Number(await brushCursorOf(page, 'sagittal').getAttribute('data-radius-px'))).toBeCloseTo(radiusMm * zoomedPxPerMm, 0);
    expect(radiusMm * zoomedPxPerMm).toBeGreaterThan(1.15 * radii.sagittal!);
    await page.getByTitle('Reset view and W/L (r)').click();
    await expect.poll(async () => (await imageRect(page, 'sagittal')).width).toBeCloseTo(before, 0);
    // Another tool: no outline.
    await page.keyboard.press('w');
    await expect(page.getByTestId('brush-cursor')).toHaveCount(0);
    await page.keyboard.press('b');

    // A plain move of the pointer over a view (no button) uploads no texture at all.
    const start = await pagePoint(page, 'sagittal', 0.2, 0.3);
    const end = await pagePoint(page, 'sagittal', 0.8, 0.7);
    await page.mouse.move(start.x, start.y);
    await nextFrame(page);
    await takeUploads(page);
    await page.mouse.move(end.x, end.y, { steps: 20 });
    await nextFrame(page);
    await expect(brushCursorOf(page, 'sagittal')).toBeVisible();
    expect(await takeUploads(page)).toEqual([]);

    // A stroke in the sagittal view across the lower slices: only the labelmap's slices it painted are uploaded, each
    // once per move at most; the CT's texture is not uploaded again.
    const moves = 10;
    const from = await pagePoint(page, 'sagittal', 0.35, 0.95);
    const to = await pagePoint(page, 'sagittal', 0.35, 0.6);
    await page.mouse.move(from.x, from.y);
    await nextFrame(page);
    await takeUploads(page);
    await page.mouse.down();
    await nextFrame(page);
    await page.mouse.move(to.x, to.y, { steps: moves });
    await nextFrame(page);
    await page.mouse.up();
    await expect.poll(() => voxelsOf(row)).toBeGreaterThan(0);
    await nextFrame(page);
    const uploads = await takeUploads(page);
    const painted = (await sliceVoxelsOf(row)).flatMap((n, z) => (n > 0 ? [z] : []));
    expect(painted.length).toBeGreaterThan(3);
    expect(painted.length).toBeLessThan(SLICES);
    const labelmap = labelmapUploads(uploads);
    test.info().annotations.push({
      type: 'texture uploads',
      description: `stroke of ${moves} moves over ${painted.length} of ${SLICES} slices: ${labelmap.length} labelmap uploads (${slicesUploaded(labelmap)} slices), ${uploads.length - labelmap.length} others`,
    });
    expect(uploads.filter((u) => u.type !== UNSIGNED_BYTE)).toEqual([]);
    expect(labelmap.filter((u) => u.call === 'texImage3D')).toEqual([]);
    expect(labelmap.every((u) => u.depth === 1)).toBe(true);
    // The slices uploaded are the painted ones (the texture's frames run the stack's way or the other).
    const uploadedSlices = [...new Set(labelmap.map((u) => u.zOffset))].sort((a, b) => a - b);
    const reversed = painted.map((z) => SLICES - 1 - z).sort((a, b) => a - b);
    expect([painted, reversed]).toContainEqual(uploadedSlices);
    expect(slicesUploaded(labelmap)).toBeLessThanOrEqual(painted.length * (moves + 2));
  });
});

test.describe('mask sets of the Scoring dock in the MPR views', () => {
  test.use({ viewport: { width: 1600, height: 1000 } });
  // A host of its own: the other tests' drawn segments (in the same colour) are not on this phantom.
  const own = hostPerFile('mpr-layers-scoring');

  test('the Scoring dock’s truth (filled) and prediction (outlined) show in the volume views too, and hide with their switches', async ({ page }) => {
    // Truth: a 40 × 40 box on slices 6..9; prediction: the same box shifted 10 columns right.
    const { niftiFile } = (await tsImport('../../core/masks/mask-fixtures.ts', import.meta.url)) as typeof import('../../core/masks/mask-fixtures');
    const box = (x0: number): Uint8Array => {
      const values = new Uint8Array(SIZE * SIZE * SLICES);
      for (let z = 6; z <= 9; z++) for (let y = 100; y < 140; y++) for (let x = x0; x < x0 + 40; x++) values[x + SIZE * (y + SIZE * z)] = 1;
      return values;
    };
    const nifti = (values: Uint8Array) => niftiFile({ shape: [SIZE, SIZE, SLICES], values, datatype: 'uint8', spacingMm: [PIXEL_MM, PIXEL_MM, 2.5] });
    await openPhantom(page, own, SLICES);
    // Beside the series, in the folder the user granted by opening it.
    const truthFile = path.join(own.work, 'study', 'truth.nii');
    const predFile = path.join(own.work, 'study', 'pred.nii');
    await writeFile(truthFile, nifti(box(60)));
    await writeFile(predFile, nifti(box(70)));

    await page.getByTestId('scoring-toggle').click();
    await page.getByTestId('mask-path').fill(`${truthFile}; ${predFile}`);
    await page.getByTestId('mask-path-submit').click();
    await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(2);
    await page.getByTestId('scoring-truth').selectOption({ label: 'truth.nii' });
    await page.getByTestId('scoring-pred').selectOption({ label: 'pred.nii' });
    await expect(page.getByTestId('scoring-miou')).not.toHaveText('');

    await page.getByTestId('command-layout.1x3').click();
    await waitForVolumeViews(page);
    // Label 1's colour in both masks.
    const colour = labelColor(1);
    await scrollTo(page, 'axial', axialIndexOf(7));
    const coloured = async (axis: Axis) => (await colouredPoints(page, axis, colour)).length;
    await expect.poll(() => coloured('axial'), { timeout: 15_000 }).toBeGreaterThan(0);
    const voxel = 1 / SIZE;
    const inBoxes = (fx: number, fy: number) => fx > 60 * voxel - 2 * voxel && fx < 110 * voxel + 2 * voxel && fy > 100 * voxel - 2 * voxel && fy < 140 * voxel + 2 * voxel;
    const axialPoints = await colouredPoints(page, 'axial', colour);
    expect(axialPoints.every(([fx, fy]) => inBoxes(fx, fy))).toBe(true);
    // The truth is filled: its middle (columns 60..69, only the truth's) is coloured, not just its rim.
    expect(axialPoints.some(([fx, fy]) => Math.abs(fx - 65 * voxel) < 2 * voxel && Math.abs(fy - 120 * voxel) < 2 * voxel)).toBe(true);
    // The prediction alone is outlined: with the truth hidden its middle (columns 100..109, only the prediction's) is not coloured, its rim is.
    await page.getByRole('checkbox', { name: 'Show truth.nii' }).uncheck();
    await expect.poll(() => coloured('axial')).toBeLessThan(axialPoints.length);
    const outline = await colouredPoints(page, 'axial', colour);
    expect(outline.length).toBeGreaterThan(0);
    expect(outline.some(([fx, fy]) => Math.abs(fx - 90 * voxel) < 3 * voxel && Math.abs(fy - 120 * voxel) < 3 * voxel)).toBe(false);
    await page.getByRole('checkbox', { name: 'Show truth.nii' }).check();

    // The sagittal view through column 80 (both boxes): the masks' slices, in the lower half.
    await scrollTo(page, 'sagittal', 80);
    await expect.poll(() => coloured('sagittal'), { timeout: 15_000 }).toBeGreaterThan(0);
    for (const [, fy] of await colouredPoints(page, 'sagittal', colour)) {
      // The head at the top: slices 6..9 of 24 lie between fractions 14/24 and 18/24 from the top.
      expect(fy).toBeGreaterThan((SLICES - 10) / SLICES - 2 / SLICES);
      expect(fy).toBeLessThan((SLICES - 6) / SLICES + 2 / SLICES);
    }

    // Both switches off: no mask in any view.
    await page.getByRole('checkbox', { name: 'Show truth.nii' }).uncheck();
    await page.getByRole('checkbox', { name: 'Show pred.nii' }).uncheck();
    await expect.poll(() => coloured('axial')).toBe(0);
    await expect.poll(() => coloured('sagittal')).toBe(0);
  });
});
