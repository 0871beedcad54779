// Issue 10's remaining tools in the app: rectangle fill and scissors, and export as NIfTI and DICOM SEG that
// re-imports (through the Masks & Scoring dock's file field) as an editable segmentation with the same voxels.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { allSaved, newSegmentation, openPhantom, segmentationEditor, segmentRows as rows, sliceVoxelsOf, voxelsOf as voxels } from './draw-page';
import { expect, ownHostPerTest, test, type OwnHost } from './fixtures';
import { mprView, pagePoint, waitForVolumeViews } from './mpr-page';
import type { ViewerPage } from './viewer-page';

/** Phantom image pixels (256 a side): pixel edge `n` lies at the image fraction n / 256. */
const PIXELS = 256;
const SLICES = 6;
const edge = (n: number): number => n / PIXELS;
/** The slice drawn on (the stack's index k). */
const SLICE = 1;
/** The rectangle from pixel edge 100 to 150 both ways: pixel centres 100 … 149 inside, 2500 of them. */
const LO = 100;
const HI = 150;
const drawnIndices = (): number[] => {
  const out: number[] = [];
  for (let j = LO; j < HI; j++) for (let i = LO; i < HI; i++) out.push(i + PIXELS * (j + PIXELS * SLICE));
  return out;
};

const nextFrame = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/** Drags a rectangle from one image point to the opposite corner (fractions), checking its outline is shown meanwhile. */
async function dragRectangle(page: Page, viewer: ViewerPage, from: [number, number], to: [number, number]): Promise<void> {
  const start = await viewer.imagePoint(from[0], from[1]);
  const end = await viewer.imagePoint(to[0], to[1]);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await nextFrame(page);
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 4 });
  await expect(page.getByTestId('contour-outline')).toHaveAttribute('data-points', '4');
  await page.mouse.move(end.x, end.y, { steps: 4 });
  await nextFrame(page);
  await page.mouse.up();
}

/** The voxel indices (x fastest, then y, then z) a stored segmentation's segment 1 holds. */
async function storedIndices(own: OwnHost, maskSetId: string): Promise<number[]> {
  const data = await own.host.service.handlers['masks.data']({ maskSetId, segment: 1, zStart: 0 }, { transport: 'direct', caller: 'seg-tools e2e' });
  if (!data.ok) throw new Error(data.error.message);
  const out: number[] = [];
  data.value.labels.forEach((v, i) => {
    if (v) out.push(i + data.value.zStart * PIXELS * PIXELS);
  });
  return out;
}

test.describe('rectangle tools, NIfTI and SEG export → import', () => {
  const own = ownHostPerTest('seg-tools');
  const open = async (page: Page): Promise<ViewerPage> => {
    // Page errors fail the test through the fixtures' automatic pageErrors.
    const viewer = await openPhantom(page, own, SLICES);
    await newSegmentation(page);
    await page.keyboard.press('ArrowDown');
    await viewer.waitForRender(SLICE);
    // A mouse position is off by at most half a CSS px: under half an image pixel while a pixel spans more than
    // one CSS px, so corners on pixel edges keep every pixel centre on its side.
    const rect = JSON.parse((await page.getByTestId('viewport').getAttribute('data-image-rect'))!) as { width: number };
    expect(rect.width / PIXELS).toBeGreaterThan(1.1);
    return viewer;
  };

  test('Shift+C fills exactly the dragged rectangle, Shift+S cuts one out; each is one undo step, autosaved', async ({ page }) => {
    const viewer = await open(page);
    const row = rows(page).first();
    await page.keyboard.press('Shift+C');
    await expect(page.getByTestId('command-tool.rectangleFill')).toHaveAttribute('aria-pressed', 'true');
    await dragRectangle(page, viewer, [edge(LO), edge(LO)], [edge(HI), edge(HI)]);
    await expect.poll(() => voxels(row)).toBe(2500);
    expect(await sliceVoxelsOf(row)).toEqual([0, 1, 2, 3, 4, 5].map((z) => (z === SLICE ? 2500 : 0)));
    await expect(page.getByTestId('contour-outline')).toHaveCount(0);
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /rectangle fill/);
    await allSaved(page);
    expect(await storedIndices(own, (await segmentationEditor(page).getAttribute('data-mask-set-id'))!)).toEqual(drawnIndices());

    // A click is no rectangle: refused in words, nothing changes.
    await page.keyboard.press('Shift+S');
    await expect(page.getByTestId('command-tool.rectangleScissors')).toHaveAttribute('aria-pressed', 'true');
    const middle = await viewer.imagePoint(edge(125), edge(125));
    await page.mouse.click(middle.x, middle.y);
    await expect(page.getByTestId('segments-notice')).toContainText('Rectangle scissors: nothing changed: the rectangle has no width or height');
    // Dragged from the lower right to the upper left: the 20 × 20 inside goes.
    await dragRectangle(page, viewer, [edge(130), edge(130)], [edge(110), edge(110)]);
    await expect.poll(() => voxels(row)).toBe(2500 - 400);
    await expect(page.getByTestId('segments-notice')).toHaveCount(0);
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /rectangle scissors/);
    await page.keyboard.press('Control+z');
    await expect.poll(() => voxels(row)).toBe(2500);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => voxels(row)).toBe(2100);
    await allSaved(page);
  });

  test('exported as NIfTI and as DICOM SEG, each file re-imports as an editable segmentation with the same voxels at the drawn place', async ({ page }) => {
    const viewer = await open(page);
    await page.getByTestId('command-tool.rectangleFill').click();
    await dragRectangle(page, viewer, [edge(LO), edge(LO)], [edge(HI), edge(HI)]);
    await expect.poll(() => voxels(rows(page).first())).toBe(2500);
    await allSaved(page);
    const drawnId = (await segmentationEditor(page).getAttribute('data-mask-set-id'))!;

    // Both into the study's folder (granted when it was opened), from the Export… panel.
    const niftiPath = path.join(own.work, 'study', 'rectangle.nii.gz');
    const segPath = path.join(own.work, 'study', 'rectangle.dcm');
    await page.getByTestId('segmentation-export-toggle').click();
    await page.getByTestId('export-format').selectOption('nifti');
    await page.getByTestId('export-path').fill(niftiPath);
    await page.getByTestId('export-submit').click();
    await expect(page.getByTestId('export-result')).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('export-result')).toContainText(`Wrote NIfTI (.nii.gz) ${niftiPath}`);
    await expect(page.getByTestId('export-result')).toContainText('Segment 1: 2500 voxels');
    await page.getByTestId('export-format').selectOption('seg');
    await page.getByTestId('export-path').fill(segPath);
    await page.getByTestId('export-submit').click();
    await expect(page.getByTestId('export-result')).toContainText(`Wrote DICOM SEG ${segPath}`);
    await expect(page.getByTestId('export-result')).toContainText('Segment 1: 2500 voxels');

    // The NIfTI read back with our reader in this process: 2500 voxels of label 1, and its affine puts each one on
    // the patient point of the series pixel drawn (the catalog's image positions, the grid's geometry).
    const { decodeNiftiLabels } = (await tsImport('../../core/masks/nifti.ts', import.meta.url)) as typeof import('../../core/masks/nifti');
    const { niftiVoxelToLps } = (await tsImport('../../core/services/nifti-orientation.ts', import.meta.url)) as typeof import('../../core/services/nifti-orientation');
    const { stackVolumeGeometry } = (await tsImport('../../core/geometry/stack-geometry.ts', import.meta.url)) as typeof import('../../core/geometry/stack-geometry');
    const { worldToIjk } = (await tsImport('../../core/geometry/patient-space.ts', import.meta.url)) as typeof import('../../core/geometry/patient-space');
    const bytes = new Uint8Array(readFileSync(niftiPath));
    const labels = decodeNiftiLabels(bytes, niftiPath);
    expect(labels.shape).toEqual([PIXELS, PIXELS, SLICES]);
    expect(Array.from(labels.data).filter((v) => v === 1)).toHaveLength(2500);
    const voxelToLps = niftiVoxelToLps(bytes);
    expect(voxelToLps).not.toBeNull();
    const info = await own.host.service.handlers['masks.openVersion']({ maskSetId: drawnId, version: 1 }, { transport: 'direct', caller: 'seg-tools e2e' });
    if (!info.ok || !info.value.seriesInstanceUid) throw new Error(info.ok ? 'the drawn segmentation names no series' : info.error.message);
    const series = await own.host.service.handlers['catalog.series']({ seriesKey: info.value.seriesInstanceUid }, { transport: 'direct', caller: 'seg-tools e2e' });
    if (!series.ok) throw new Error(series.error.message);
    const images = series.value.series.instances;
    const grid = stackVolumeGeometry({
      orientation: images[0].imageOrientationPatient!,
      firstPositionMm: images[0].imagePositionPatient!,
      lastPositionMm: images[images.length - 1].imagePositionPatient!,
      sliceCount: images.length,
      pixelSpacingMm: [info.value.spacingMm[1], info.value.spacingMm[0]],
    });
    if (!grid.ok) throw new Error(grid.reason);
    // One expect per check, not per voxel: Playwright's expect costs milliseconds a call on a loaded machine.
    const placed: number[] = [];
    let offGrid = 0;
    labels.data.forEach((v: number, index: number) => {
      if (v !== 1) return;
      const file = [index % PIXELS, Math.floor(index / PIXELS) % PIXELS, Math.floor(index / (PIXELS * PIXELS)), 1];
      const lps = voxelToLps!.map((rowOf) => rowOf.reduce((sum, a, c) => sum + a * file[c], 0)) as [number, number, number];
      const [i, j, k] = worldToIjk(grid.geometry, lps);
      offGrid = Math.max(offGrid, ...[i, j, k].map((x) => Math.abs(x - Math.round(x))));
      placed.push(Math.round(i) + PIXELS * (Math.round(j) + PIXELS * Math.round(k)));
    });
    expect(offGrid).toBeLessThan(1e-3);
    expect(placed.sort((a, b) => a - b)).toEqual(drawnIndices());

    // Imported through the app: the Masks & Scoring dock's file field, both files at once.
    await page.getByTestId('scoring-toggle').click();
    await expect(page.getByTestId('scoring-panel')).toBeVisible();
    await page.getByTestId('mask-path').fill(`${niftiPath}; ${segPath}`);
    await page.getByTestId('mask-path-submit').click();
    // The series' segmentations: the drawn one and the two files.
    await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(3);
    await expect(page.getByTestId('mask-open-errors')).toHaveCount(0);

    // The Segments panel lists them beside the drawn one; each opens editable with the same voxels in the same place.
    await page.getByTestId('segments-toggle').click();
    await expect(page.getByTestId('segments-panel')).toBeVisible();
    const items = page.getByTestId('segmentation-item');
    await expect(items).toHaveCount(3);
    for (const n of [1, 2]) {
      await items.nth(n).click();
      await expect(items.nth(n)).toHaveAttribute('aria-pressed', 'true');
      const importedId = (await segmentationEditor(page).getAttribute('data-mask-set-id'))!;
      expect(importedId).not.toBe(drawnId);
      await expect(rows(page)).toHaveCount(1);
      await expect.poll(() => voxels(rows(page).first())).toBe(2500);
      expect(await sliceVoxelsOf(rows(page).first())).toEqual([0, 1, 2, 3, 4, 5].map((z) => (z === SLICE ? 2500 : 0)));
      expect(await storedIndices(own, importedId)).toEqual(drawnIndices());
      await expect(page.getByTestId('segmentation-read-only')).toHaveCount(0);
      await expect(page.getByTestId('segment-add')).toBeEnabled();
    }
    // Editable: a rectangle cut from the SEG import is saved as its next version.
    await page.keyboard.press('Shift+S');
    await dragRectangle(page, viewer, [edge(110), edge(110)], [edge(130), edge(130)]);
    await expect.poll(() => voxels(rows(page).first())).toBe(2100);
    await allSaved(page);
    await expect(segmentationEditor(page)).toHaveAttribute('data-head-version', '2');
  });
});

test.describe('rectangle tools in the MPR views', () => {
  // Wide enough that each of the three views shows the phantom at a useful size.
  test.use({ viewport: { width: 1600, height: 1000 } });
  const own = ownHostPerTest('seg-tools-mpr');

  test('the axial view fills a rectangle on the slice it shows; the sagittal view refuses in words, as the contour does', async ({ page }) => {
    await openPhantom(page, own, SLICES);
    await newSegmentation(page);
    const row = rows(page).first();
    await page.getByTestId('command-layout.1x3').click();
    await waitForVolumeViews(page);
    await page.keyboard.press('Shift+C');

    const side = await pagePoint(page, 'sagittal', 0.5, 0.5);
    await page.mouse.click(side.x, side.y);
    await expect(page.getByTestId('segments-notice')).toContainText('the rectangle tools draw on the stack’s own slices');
    expect(await voxels(row)).toBe(0);

    // The axial view counts its slices from the head, the stack's k from the feet.
    const k = SLICES - 1 - Number(await mprView(page, 'axial').getAttribute('data-slice-index'));
    const from = await pagePoint(page, 'axial', 0.4, 0.4);
    const to = await pagePoint(page, 'axial', 0.6, 0.6);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await nextFrame(page);
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await nextFrame(page);
    await page.mouse.up();
    await expect.poll(() => voxels(row)).toBeGreaterThan(0);
    expect(await sliceVoxelsOf(row)).toEqual(Array.from({ length: SLICES }, (_, z) => (z === k ? expect.any(Number) : 0)));
    await allSaved(page);

    // Stored: a whole rectangle (every voxel of its i range × j range) from about 0.4 to 0.6 of the image both ways.
    const stored = await storedIndices(own, (await segmentationEditor(page).getAttribute('data-mask-set-id'))!);
    const is = stored.map((index) => index % PIXELS);
    const js = stored.map((index) => Math.floor(index / PIXELS) % PIXELS);
    const [i0, i1, j0, j1] = [Math.min(...is), Math.max(...is), Math.min(...js), Math.max(...js)];
    expect(stored).toHaveLength((i1 - i0 + 1) * (j1 - j0 + 1));
    for (const [lo, hi] of [[i0, i1], [j0, j1]]) {
      expect(Math.abs(lo - 0.4 * PIXELS)).toBeLessThanOrEqual(2);
      expect(Math.abs(hi + 1 - 0.6 * PIXELS)).toBeLessThanOrEqual(2);
    }
    await expect(page.getByTestId('command-edit.undo')).toHaveAttribute('title', /rectangle fill/);
  });
});
