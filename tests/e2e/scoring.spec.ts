import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { test, expect } from './fixtures';
import { dataDirMissingMessage } from '../../core/config/data-dir';
import { MIN_TINT, viewportTint } from './overlay-pixels';

/**
 * The Masks & Scoring panel on a generated study: a 64×64×4 phantom series and NIfTI masks whose
 * overlaps are counted by hand below. Mask voxel (x, y, z) lies on column x, row y of the z-th
 * slice in viewing order (ascending along the slice normal).
 */
const size = 64;
const slices = 4;

type Box = { z: number; rows: [number, number]; cols: [number, number]; label: number };

function labelMap(boxes: Box[]): Uint8Array {
  const values = new Uint8Array(size * size * slices);
  for (const { z, rows, cols, label } of boxes) {
    for (let y = rows[0]; y <= rows[1]; y++) for (let x = cols[0]; x <= cols[1]; x++) values[x + size * (y + size * z)] = label;
  }
  return values;
}

// Label 1 on slice 1: truth columns 10..19, prediction 15..24, rows 10..19 in both:
//   overlap 10 × 5 = 50, union 150 → IoU 1/3.
// Label 2 on slice 2: truth columns 30..39, prediction 30..37, rows 30..39:
//   overlap 80, union 100 → IoU 0.8.
const truthBoxes: Box[] = [
  { z: 1, rows: [10, 19], cols: [10, 19], label: 1 },
  { z: 2, rows: [30, 39], cols: [30, 39], label: 2 },
];
const predBoxes: Box[] = [
  { z: 1, rows: [10, 19], cols: [15, 24], label: 1 },
  { z: 2, rows: [30, 39], cols: [30, 37], label: 2 },
];
const expectedMiou = (50 / 150 + 80 / 100) / 2; // 0.56666…

// A third, worse case for the dataset view: label 1 only, columns 10..19 vs 18..27 → overlap 20, union 180.
const worseBoxes: Box[] = [{ z: 1, rows: [10, 19], cols: [18, 27], label: 1 }];
const worseMiou = 20 / 180;

let workDir: string;
let seriesDir: string;

test.beforeAll(async () => {
  const { writePhantomSeries } = (await tsImport('../../core/fixtures/phantom.ts', import.meta.url)) as typeof import('../../core/fixtures/phantom');
  const { niftiFile } = (await tsImport('../../core/masks/mask-fixtures.ts', import.meta.url)) as typeof import('../../core/masks/mask-fixtures');
  const nifti = (boxes: Box[]) =>
    niftiFile({ shape: [size, size, slices], values: labelMap(boxes), datatype: 'uint8', spacingMm: [1.5, 1.5, 2.5] });

  workDir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-scoring-e2e-'));
  seriesDir = path.join(workDir, 'study');
  await writePhantomSeries(seriesDir, { slices, rows: size, columns: size, patientName: 'Scoring^Phantom' });
  await writeFile(path.join(workDir, 'expert.nii'), nifti(truthBoxes));
  await writeFile(path.join(workDir, 'model.nii'), nifti(predBoxes));

  const truthDir = path.join(workDir, 'dataset', 'truth');
  const predDir = path.join(workDir, 'dataset', 'pred');
  await mkdir(truthDir, { recursive: true });
  await mkdir(predDir, { recursive: true });
  for (const name of ['case-a', 'case-b', 'case-c']) await writeFile(path.join(truthDir, `${name}.nii`), nifti(truthBoxes));
  await writeFile(path.join(predDir, 'case-a.nii'), nifti(truthBoxes)); // perfect: 1
  await writeFile(path.join(predDir, 'case-b.nii'), nifti(predBoxes)); // 0.5667
  await writeFile(path.join(predDir, 'case-c.nii'), nifti([...worseBoxes, truthBoxes[1]])); // (1/9 + 1) / 2
});

test.afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('scoring panel: truth vs prediction shows the hand-computed mIoU, a per-slice chart and a TP/FP/FN overlay', async ({ viewer, page }) => {
  await viewer.openPath(seriesDir);
  await viewer.waitForImport();
  await viewer.waitForRender();

  await page.getByTestId('scoring-toggle').click();
  await page.getByTestId('mask-path').fill(`${path.join(workDir, 'expert.nii')}; ${path.join(workDir, 'model.nii')}`);
  await page.getByTestId('mask-path-submit').click();
  await expect(page.getByTestId('mask-list').locator('li')).toHaveCount(2);

  await page.getByTestId('scoring-truth').selectOption({ label: 'expert.nii' });
  await page.getByTestId('scoring-pred').selectOption({ label: 'model.nii' });
  await expect(page.getByTestId('scoring-miou')).toHaveText(expectedMiou.toFixed(4));
  expect(expectedMiou.toFixed(4)).toBe('0.5667');

  const table = page.getByTestId('scoring-table');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(table.locator('tbody tr').nth(0)).toContainText((1 / 3).toFixed(4));
  await expect(table.locator('tbody tr').nth(1)).toContainText((0.8).toFixed(4));

  // A plot with one bar per slice that has foreground (slices 2 and 3 of 4, 1-based).
  const chart = page.getByTestId('slice-iou-chart');
  await expect(chart).toBeVisible();
  await expect(chart.locator('rect.bar')).toHaveCount(2);
  await expect(chart.locator('rect.bar[data-slice="1"] title')).toHaveText(/IoU 0\.3333/);
  // One label's curve: label 2 is only on slice 3 (index 2), IoU 0.8.
  await page.getByTestId('slice-chart-label').selectOption('2');
  await expect(chart.locator('rect.bar')).toHaveCount(1);
  await expect(chart.locator('rect.bar[data-slice="2"] title')).toHaveText(/Label 2 IoU 0\.8000/);
  await page.getByTestId('slice-chart-label').selectOption('all');
  await expect(chart.locator('rect.bar')).toHaveCount(2);

  // Clicking slice 2's bar shows slice 2 (index 1, where label 1 is).
  let since = await viewer.renderedAt();
  await chart.locator('rect.bar[data-slice="1"]').click();
  await viewer.waitForRenderAfter(since);
  await expect(viewer.sliceIndex).toHaveText(`2/${slices}`);

  // Label mode: both masks are drawn by cornerstone over the grey phantom (tinted pixels of its canvas);
  // hiding both leaves the image grey. Label 1 is red in both ([230, 25, 75]), so the slice's tint is red.
  const drawn = () => viewportTint(viewer.viewport);
  await expect.poll(async () => (await drawn()).red, { timeout: 15_000 }).toBeGreaterThan(0);
  expect((await drawn()).green).toBe(0);
  // Hiding only the truth leaves the prediction's outline: fewer tinted pixels, not none.
  const both = (await drawn()).tinted;
  await page.getByRole('checkbox', { name: 'Show expert.nii' }).uncheck();
  await expect.poll(async () => (await drawn()).tinted).toBeLessThan(both);
  expect((await drawn()).tinted).toBeGreaterThan(0);
  await page.getByRole('checkbox', { name: 'Show model.nii' }).uncheck();
  await expect.poll(async () => (await drawn()).tinted).toBe(0);

  // TP / FP / FN on that slice: all three colours are drawn over the image.
  await page.getByTestId('overlay-agreement').click();
  await expect(page.getByTestId('agreement-legend')).toBeVisible();
  await expect.poll(async () => (await drawn()).green, { timeout: 15_000 }).toBeGreaterThan(0);
  const colours = await drawn();
  expect(colours.green).toBeGreaterThan(0);
  expect(colours.red).toBeGreaterThan(0);
  expect(colours.blue).toBeGreaterThan(0);
  // TP, FP and FN are each 5 columns × 10 rows here: the same area on screen, give or take edge pixels.
  expect(colours.red / colours.green).toBeGreaterThan(0.8);
  expect(colours.red / colours.green).toBeLessThan(1.25);

  // Clicking slice 3's bar shows slice 3.
  since = await viewer.renderedAt();
  await chart.locator('rect.bar[data-slice="2"]').click();
  await viewer.waitForRenderAfter(since);
  await expect(viewer.sliceIndex).toHaveText(`3/${slices}`);
});

test('dataset view lists every case with its mIoU and sorting by mIoU puts the worst first', async ({ viewer, page }) => {
  await page.getByTestId('scoring-toggle').click();
  await page.getByTestId('scoring-tab-dataset').click();
  await page.getByTestId('dataset-truth').fill(path.join(workDir, 'dataset', 'truth'));
  await page.getByTestId('dataset-pred').fill(path.join(workDir, 'dataset', 'pred'));
  await page.getByTestId('dataset-run').click();

  const rows = page.getByTestId('dataset-table').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('case-a.nii');
  await expect(rows.nth(0)).toContainText('1.0000');

  const worstCase = (worseMiou + 1) / 2;
  await page.getByTestId('dataset-sort-miou').click();
  await expect(rows.nth(0)).toContainText('case-c.nii');
  await expect(rows.nth(0)).toContainText(worstCase.toFixed(4));
  await expect(rows.nth(1)).toContainText('case-b.nii');
  await expect(rows.nth(2)).toContainText('case-a.nii');
  await expect(page.getByTestId('dataset-summary')).toContainText(`min ${worstCase.toFixed(4)}`);

  // A second click flips the order: best first.
  await page.getByTestId('dataset-sort-miou').click();
  await expect(rows.nth(0)).toContainText('case-a.nii');
  void viewer;
});

test.describe('a real SEG', () => {
  // dcmjs logs the dictionary's ambiguous VRs (xs, ox) it resolves while reading the real SEG: a library note, not a failure.
  test.use({ allowedPageErrors: /^console\.error: Invalid vr type (xs - using US|ox - using OW) / });
  test('a real expert SEG (dcmqi liver) opens on the CT it references and is drawn over it', async ({ viewer, page, dataDir }) => {
    test.skip(!dataDir, dataDirMissingMessage());
    const segDir = path.join(dataDir!, 'dicom', 'dcmqi', 'segmentations');
    await viewer.openPath(path.join(segDir, 'ct-3slice'));
    await viewer.waitForImport();
    await viewer.waitForRender();

    await page.getByTestId('scoring-toggle').click();
    await page.getByTestId('mask-path').fill(path.join(segDir, 'liver.dcm'));
    await page.getByTestId('mask-path-submit').click();
    const item = page.getByTestId('mask-list').locator('li');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText('1 Liver');
    await expect(page.getByTestId('mask-open-errors')).toHaveCount(0);

    // Alignment: under the mask the CT is liver (a narrow band of soft-tissue grey at the default
    // window), while the same mask mirrored left-right lands on a mix of liver, fat, bowel and bone.
    // cornerstone blends the mask into its canvas: the mask is where the canvas is tinted with it shown,
    // the CT's grey is read from the same canvas with it hidden (the camera does not move in between).
    const canvasPixels = () =>
      viewer.viewport.evaluate((element) => {
        const canvas = element.querySelector('canvas')!;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        (window as unknown as { __probePixels: unknown[] }).__probePixels ??= [];
        (window as unknown as { __probePixels: unknown[] }).__probePixels.push({ width: canvas.width, height: canvas.height, data });
      });
    await expect.poll(async () => (await viewportTint(viewer.viewport)).tinted, { timeout: 15_000 }).toBeGreaterThan(1000);
    await canvasPixels();
    await page.getByRole('checkbox', { name: 'Show liver.dcm' }).uncheck();
    await expect.poll(async () => (await viewportTint(viewer.viewport)).tinted).toBe(0);
    await canvasPixels();
    const under = await page.evaluate((minTint) => {
      const [shown, hidden] = (window as unknown as { __probePixels: { width: number; height: number; data: Uint8ClampedArray }[] }).__probePixels;
      if (shown.width !== hidden.width || shown.height !== hidden.height) throw new Error(`canvas sizes differ: ${shown.width}x${shown.height} vs ${hidden.width}x${hidden.height}`);
      const { width, height } = shown;
      const tinted = (o: number) => Math.max(shown.data[o], shown.data[o + 1], shown.data[o + 2]) - Math.min(shown.data[o], shown.data[o + 1], shown.data[o + 2]) >= minTint;
      const stats = (mirror: boolean) => {
        let n = 0;
        let sum = 0;
        let sumSq = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            if (!tinted((y * width + x) * 4)) continue;
            const sx = mirror ? width - 1 - x : x;
            const grey = hidden.data[(y * width + sx) * 4];
            n++;
            sum += grey;
            sumSq += grey * grey;
          }
        }
        const mean = sum / n;
        return { n, mean, sd: Math.sqrt(sumSq / n - mean * mean) };
      };
      return { aligned: stats(false), mirrored: stats(true) };
    }, MIN_TINT);
    expect(under.aligned.n).toBeGreaterThan(1000);
    // Liver (about 40–80 HU) at the default window (400 / 40) is mid grey: 255 × (HU − 40 + 200) / 400.
    expect(under.aligned.mean).toBeGreaterThan(100);
    expect(under.aligned.mean).toBeLessThan(170);
    expect(under.aligned.sd).toBeLessThan(under.mirrored.sd * 0.7);
  });
});

test('a SEG with overlapping segments (highdicom) shows each segment whole, as its own labelmap', async ({ viewer, page, dataDir }) => {
  test.skip(!dataDir, dataDirMissingMessage());
  await viewer.openPath(path.join(dataDir!, 'dicom', 'pydicom', 'dicomdirtests', '77654033', 'CT2'));
  await viewer.waitForImport();
  await viewer.waitForRender();

  await page.getByTestId('scoring-toggle').click();
  await page.getByTestId('mask-path').fill(path.join(dataDir!, 'dicom', 'highdicom', 'seg_image_ct_binary_overlap.dcm'));
  await page.getByTestId('mask-path-submit').click();
  const item = page.getByTestId('mask-list').locator('li');
  await expect(item).toHaveCount(1);
  await expect(page.getByTestId('mask-open-errors')).toHaveCount(0);

  // The store's voxel count of each segment (a chip's title) is what its labelmap holds: the voxels the
  // two segments share are in both, not given to one of them as a label map would.
  const chips = item.locator('.chip');
  await expect(chips).toHaveCount(2);
  const listed = await chips.evaluateAll((elements) => elements.map((e) => Number.parseInt(e.getAttribute('title') ?? '', 10)));
  expect(listed.every((n) => n > 0)).toBe(true);
  const shown = () =>
    page.evaluate(() => {
      const layers = (window as unknown as { __vesaliusMaskLayers: () => Record<string, Record<string, Record<string, number>>> }).__vesaliusMaskLayers();
      return Object.values(layers.scoring ?? {})[0] ?? null;
    });
  await expect.poll(shown, { timeout: 15_000 }).toEqual({ 1: listed[0], 2: listed[1] });
  await expect(page.getByTestId('mask-draw-problem')).toHaveCount(0);
  await expect.poll(async () => (await viewportTint(viewer.viewport)).tinted).toBeGreaterThan(0);
});
