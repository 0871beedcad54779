import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, UNDECODABLE_FILE_ERRORS } from './fixtures';
import type { ViewerPage } from './viewer-page';
import { encodePart10, newUid } from '../../core/fixtures/dicom-writer';
import { CT_IMAGE_STORAGE, PHANTOM_HU, PHANTOM_RESCALE_INTERCEPT, phantomHuAt, writePhantomSeries } from '../../core/fixtures/phantom';

test.use({ withDataDir: false });

type Axis = 'axial' | 'sagittal' | 'coronal';
const AXES: Axis[] = ['axial', 'sagittal', 'coronal'];
interface Rect { left: number; top: number; width: number; height: number }

const view = (page: Page, axis: Axis) => page.getByTestId(`mpr-${axis}`);
const nextFrame = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/** Waits until every volume view has drawn the whole loaded volume. */
async function waitForVolumeViews(page: Page): Promise<void> {
  await expect(page.getByTestId('mpr-views')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  for (const axis of AXES) await expect(view(page, axis)).not.toHaveAttribute('data-rendered-at', '', { timeout: 30_000 });
  await nextFrame(page);
}

async function imageRect(page: Page, axis: Axis): Promise<Rect> {
  await expect(view(page, axis)).not.toHaveAttribute('data-image-rect', '');
  return JSON.parse((await view(page, axis).getAttribute('data-image-rect'))!) as Rect;
}

/** Mean luminance (0..255) of a 5 × 5 px patch of a view's canvas at a point given as fractions of the volume's outline there. */
async function luminanceAt(page: Page, axis: Axis, fx: number, fy: number): Promise<number> {
  const rect = await imageRect(page, axis);
  return view(page, axis).evaluate((element, { x, y }) => {
    const canvas = element.querySelector('canvas');
    const context = canvas?.getContext('2d');
    if (!canvas || !context) throw new Error('no 2d canvas in the view');
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const { data } = context.getImageData(Math.round(x * scale) - 2, Math.round(y * scale) - 2, 5, 5);
    let sum = 0;
    for (let p = 0; p < data.length; p += 4) sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    return sum / (data.length / 4);
  }, { x: rect.left + fx * rect.width, y: rect.top + fy * rect.height });
}

/** Variance of the whole canvas' luminance: a black or flat view has none. */
const canvasVariance = (page: Page, axis: Axis): Promise<number> =>
  view(page, axis).evaluate((element) => {
    const canvas = element.querySelector('canvas');
    const context = canvas?.getContext('2d');
    if (!canvas || !context) throw new Error('no 2d canvas in the view');
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sumSq = 0;
    for (let p = 0; p < data.length; p += 4) {
      const y = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
      sum += y;
      sumSq += y * y;
    }
    const n = data.length / 4;
    return sumSq / n - (sum / n) ** 2;
  });

/** 1×1: the volume views stay mounted (their engine is made once per page) but hidden, with no volume. */
async function expectVolumeViewsHiddenAndFreed(page: Page): Promise<void> {
  const views = page.getByTestId('mpr-views');
  await expect(views).toHaveAttribute('data-hidden', 'true');
  await expect(views).toHaveAttribute('data-status', 'idle');
  for (const axis of AXES) await expect(view(page, axis)).toBeHidden();
}

/** The stack viewport still draws the open series in its cell (a new render, and not a flat one). */
async function expectStackDraws(viewer: ViewerPage): Promise<void> {
  const since = await viewer.renderedAt();
  await viewer.page.keyboard.press('i');
  await viewer.waitForRenderAfter(since);
  expect((await viewer.canvasStats()).variance).toBeGreaterThan(200);
  // Fitted as before, not shrunk to a speck by a resize while hidden.
  await expect(viewer.page.getByTestId('zoom')).not.toHaveText(/Zoom 0\.0\d×/);
}

const markers = async (page: Page, axis: Axis) => [await page.getByTestId(`mpr-${axis}-top`).textContent(), await page.getByTestId(`mpr-${axis}-left`).textContent()];

// W 400 L 40 (the files' window): air black, soft tissue mid grey, bone white.
const BRIGHT = 200;
const DARK = 50;

test.describe('MPR layouts of the axial phantom', () => {
  test.beforeEach(async ({ viewer, page }) => {
    await page.getByRole('button', { name: 'Open sample study' }).click();
    await viewer.waitForImport();
    await viewer.waitForRender(0);
  });

  test.describe('the 1×3 layout and back', () => {
    test('1×3 shows axial, sagittal and coronal views of the volume; 1×1 shows the stack again', async ({ viewer, page }) => {
      await page.getByTestId('command-layout.1x3').click();
      await expect(page.getByTestId('command-layout.1x3')).toHaveAttribute('aria-pressed', 'true');
      await waitForVolumeViews(page);
      for (const axis of AXES) expect(await canvasVariance(page, axis), `${axis} view is not flat`).toBeGreaterThan(200);
      // Integer CT (int16 stored, intercept −1024) stays two bytes a voxel.
      await expect(page.getByTestId('mpr-views')).toHaveAttribute('data-scalar-type', 'Int16Array');

      // The sample phantom: 24 axial slices 2.5 mm apart, 256 × 256 at 1.5 mm (384 mm field of view).
      await expect(view(page, 'axial')).toHaveAttribute('data-slice-count', '24');
      await expect(view(page, 'sagittal')).toHaveAttribute('data-slice-count', '256');
      const axial = await imageRect(page, 'axial');
      const sagittal = await imageRect(page, 'sagittal');
      const coronal = await imageRect(page, 'coronal');
      expect(axial.width / axial.height).toBeCloseTo(1, 1);
      // Sagittal and coronal: 384 mm across, 24 × 2.5 = 60 mm from feet to head.
      expect(sagittal.width / sagittal.height).toBeCloseTo(384 / 60, 0);
      expect(coronal.width / coronal.height).toBeCloseTo(384 / 60, 0);

      expect(await markers(page, 'axial')).toEqual(['A', 'R']);
      expect(await markers(page, 'sagittal')).toEqual(['S', 'A']);
      expect(await markers(page, 'coronal')).toEqual(['S', 'R']);

      // The vertebra lies posterior (v = 0.42): at the bottom of the axial view and on the right of the sagittal one.
      expect(await luminanceAt(page, 'axial', 0.5, 0.71)).toBeGreaterThan(BRIGHT);
      expect(await luminanceAt(page, 'sagittal', 0.71, 0.5)).toBeGreaterThan(BRIGHT);
      const anterior = await luminanceAt(page, 'sagittal', 0.29, 0.5);
      expect(anterior).toBeGreaterThan(DARK);
      expect(anterior).toBeLessThan(BRIGHT);
      // The coronal view through the middle cuts both lungs (u = ±0.38), soft tissue between them.
      expect(await luminanceAt(page, 'coronal', 0.31, 0.5)).toBeLessThan(DARK);
      expect(await luminanceAt(page, 'coronal', 0.69, 0.5)).toBeLessThan(DARK);
      expect(await luminanceAt(page, 'coronal', 0.5, 0.5)).toBeGreaterThan(DARK);

      await page.getByTestId('command-layout.1x1').click();
      await expectVolumeViewsHiddenAndFreed(page);
      await expectStackDraws(viewer);

      // Back to 1×3: the volume freed on 1×1 is built again in the same views.
      await page.getByTestId('command-layout.1x3').click();
      await waitForVolumeViews(page);
      expect(await luminanceAt(page, 'sagittal', 0.71, 0.5)).toBeGreaterThan(BRIGHT);
    });
  });

  test('W/L dragged in one view changes all three; the wheel scrolls the view it is over', async ({ page }) => {
    await page.getByTestId('command-layout.1x3').click();
    await waitForVolumeViews(page);
    for (const axis of AXES) await expect(page.getByTestId(`mpr-${axis}-wl`)).toHaveText('W 400 L 40');

    const box = (await view(page, 'axial').boundingBox())!;
    // Away from the crosshair lines (they sit on the middle), so the drag is W/L and not a line moved.
    const start = { x: box.x + box.width * 0.25, y: box.y + box.height * 0.3 };
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await nextFrame(page);
    await page.mouse.move(start.x + 60, start.y + 20, { steps: 8 });
    await nextFrame(page);
    await page.mouse.up();
    const changed = page.getByTestId('mpr-axial-wl');
    await expect(changed).not.toHaveText('W 400 L 40');
    const wl = await changed.textContent();
    await expect(page.getByTestId('mpr-sagittal-wl')).toHaveText(wl ?? '');
    await expect(page.getByTestId('mpr-coronal-wl')).toHaveText(wl ?? '');

    const before = await view(page, 'sagittal').getAttribute('data-slice-index');
    const axialBefore = await view(page, 'axial').getAttribute('data-slice-index');
    const sagittalBox = (await view(page, 'sagittal').boundingBox())!;
    await page.mouse.move(sagittalBox.x + sagittalBox.width * 0.3, sagittalBox.y + sagittalBox.height * 0.3);
    for (let k = 0; k < 5; k++) await page.mouse.wheel(0, 100);
    await expect(view(page, 'sagittal')).not.toHaveAttribute('data-slice-index', before ?? '');
    await expect(view(page, 'axial')).toHaveAttribute('data-slice-index', axialBefore ?? '');
  });

  test('2×2 shows the stack beside the three volume views', async ({ viewer, page }) => {
    await page.getByTestId('command-layout.2x2').click();
    await waitForVolumeViews(page);
    await expect(page.getByTestId('viewer-layout')).toHaveAttribute('data-layout', '2x2');
    const stackBox = (await viewer.viewport.boundingBox())!;
    const coronalBox = (await view(page, 'coronal').boundingBox())!;
    // Four cells: the stack top left, the coronal view bottom right.
    expect(coronalBox.x).toBeGreaterThan(stackBox.x + stackBox.width - 5);
    expect(coronalBox.y).toBeGreaterThan(stackBox.y + stackBox.height - 5);
    await expectStackDraws(viewer);
    expect(await canvasVariance(page, 'coronal')).toBeGreaterThan(200);
  });
});

/**
 * A CT series of a phantom defined in patient space: the axial phantom's cross-section
 * (u = x / 150 mm, v = y / 150 mm) along z, and a bone-valued marker in the patient's left lung
 * (x 60…90 mm) from z = −30 mm up to the head end, so left/right and head/feet can be told apart.
 * Images are vertical planes turned `angleDegrees` about the patient's z axis: rows run along
 * (cos a, sin a, 0), columns downwards (−z), slices step along the normal (−sin a, cos a, 0);
 * 90° is a true sagittal series. The volume, 300 × 150 × 300 mm, is centred on the patient origin.
 */
async function writeVerticalPhantom(dir: string, angleDegrees: number, description: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const a = (angleDegrees * Math.PI) / 180;
  const row = [Math.cos(a), Math.sin(a), 0];
  const column = [0, 0, -1];
  const normal = [-Math.sin(a), Math.cos(a), 0];
  const spacingMm = 300 / 64;
  const columns = 64; // along the row direction, 300 mm
  const rows = 32; // down z, 150 mm
  const slices = 48; // along the normal, 300 mm
  const sliceStepMm = 300 / slices;
  const study = newUid();
  const series = newUid();
  const frameOfReference = newUid();
  /** Patient position of pixel (c, r) of slice k. */
  const at = (c: number, r: number, k: number) =>
    [0, 1, 2].map((axis) => (c - (columns - 1) / 2) * spacingMm * row[axis] + (r - (rows - 1) / 2) * spacingMm * column[axis] + (k - (slices - 1) / 2) * sliceStepMm * normal[axis]);
  for (let k = 0; k < slices; k++) {
    const pixels = new Uint8Array(rows * columns * 2);
    const data = new DataView(pixels.buffer);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const [x, y, z] = at(c, r, k);
        const marker = x >= 60 && x <= 90 && Math.abs(y) <= 20 && z >= -30;
        const hu = marker ? PHANTOM_HU.bone : phantomHuAt(x / 150, y / 150, 1);
        data.setInt16((r * columns + c) * 2, hu - PHANTOM_RESCALE_INTERCEPT, true);
      }
    }
    const dataset = {
      SOPClassUID: CT_IMAGE_STORAGE,
      SOPInstanceUID: newUid(),
      StudyInstanceUID: study,
      SeriesInstanceUID: series,
      FrameOfReferenceUID: frameOfReference,
      StudyDate: '20260101',
      Modality: 'CT',
      PatientName: 'Vertical^Phantom',
      PatientID: 'PHANTOM-VERTICAL',
      SeriesDescription: description,
      SeriesNumber: 3,
      InstanceNumber: k + 1,
      ImagePositionPatient: at(0, 0, k).map((v) => Number(v.toFixed(4))),
      ImageOrientationPatient: [...row, ...column].map((v) => Number(v.toFixed(6))),
      PixelSpacing: [spacingMm, spacingMm],
      SliceThickness: sliceStepMm,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: rows,
      Columns: columns,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      WindowCenter: 40,
      WindowWidth: 400,
      RescaleIntercept: PHANTOM_RESCALE_INTERCEPT,
      RescaleSlope: 1,
    };
    await writeFile(path.join(dir, `slice-${String(k + 1).padStart(3, '0')}.dcm`), encodePart10(dataset, '1.2.840.10008.1.2.1', { frames: [pixels], vr: 'OW' }));
  }
}

/**
 * Checks the anatomy of writeVerticalPhantom in each view, whatever the acquisition's angle: in the
 * axial and coronal views x runs across the volume's outline, which is ±half wide (the turned square's
 * extent, 150 (|cos a| + |sin a|) mm), as is y in the axial (down) and sagittal (across) views; z runs
 * down the sagittal and coronal views from +75 to −75 mm.
 */
async function expectVerticalPhantomAnatomy(page: Page, angleDegrees: number): Promise<void> {
  const a = (angleDegrees * Math.PI) / 180;
  const half = 150 * (Math.abs(Math.cos(a)) + Math.abs(Math.sin(a)));
  const across = (mm: number) => (mm + half) / (2 * half);
  const down = (zMm: number) => (75 - zMm) / 150;
  expect(await markers(page, 'axial')).toEqual(['A', 'R']);
  expect(await markers(page, 'sagittal')).toEqual(['S', 'A']);
  expect(await markers(page, 'coronal')).toEqual(['S', 'R']);
  const axial = await imageRect(page, 'axial');
  expect(axial.width / axial.height).toBeCloseTo(1, 1);
  const coronal = await imageRect(page, 'coronal');
  expect(coronal.width / coronal.height).toBeCloseTo((2 * half) / 150, 1);

  // Axial through the middle (z ≈ 0): the marker in the patient's left lung (x 75) on screen right, the right lung (x −57) dark.
  expect(await luminanceAt(page, 'axial', across(75), across(0))).toBeGreaterThan(BRIGHT);
  expect(await luminanceAt(page, 'axial', across(-57), across(0))).toBeLessThan(DARK);
  // The vertebra (y 63), posterior, below the middle.
  expect(await luminanceAt(page, 'axial', across(0), across(63))).toBeGreaterThan(BRIGHT);
  // Coronal through y ≈ 0: the marker on screen right, in the upper part only (z ≥ −30 mm).
  expect(await luminanceAt(page, 'coronal', across(75), down(40))).toBeGreaterThan(BRIGHT);
  expect(await luminanceAt(page, 'coronal', across(75), down(-60))).toBeLessThan(DARK);
  expect(await luminanceAt(page, 'coronal', across(-75), down(40))).toBeLessThan(DARK);
  // Sagittal through x ≈ 0: the vertebra posterior, on screen right; soft tissue anterior.
  expect(await luminanceAt(page, 'sagittal', across(63), down(0))).toBeGreaterThan(BRIGHT);
  const anterior = await luminanceAt(page, 'sagittal', across(-63), down(0));
  expect(anterior).toBeGreaterThan(DARK);
  expect(anterior).toBeLessThan(BRIGHT);
}

test.describe('MPR of other series', () => {
  let dir = '';

  test.beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-mpr-'));
  });

  test.afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [angle, kind] of [[90, 'a sagittal'], [60, 'an oblique (30° off sagittal)']] as const) {
    test(`${kind} acquisition shows true axial, sagittal and coronal anatomy`, async ({ viewer, page }) => {
      const description = `Vertical phantom ${angle}`;
      await writeVerticalPhantom(dir, angle, description);
      await viewer.openPath(dir);
      await viewer.waitForImport();
      await viewer.seriesItems.filter({ hasText: description }).click();
      await viewer.waitForRender(0);
      await page.getByTestId('command-layout.1x3').click();
      await waitForVolumeViews(page);
      await expectVerticalPhantomAnatomy(page, angle);
    });
  }

  test('a series of one image says why it has no volume views, and the stack still shows it', async ({ viewer, page }) => {
    await writePhantomSeries(dir, { slices: 1, rows: 64, columns: 64, seriesDescription: 'One slice' });
    await viewer.openPath(dir);
    await viewer.waitForImport();
    await viewer.waitForRender(0);
    await page.getByTestId('command-layout.1x3').click();
    await expect(page.getByTestId('mpr-views')).toHaveAttribute('data-status', 'refused');
    await expect(page.getByTestId('mpr-reason').first()).toContainText('a volume needs at least 3 slices, and this series has one image');
    await page.getByTestId('command-layout.1x1').click();
    await expectVolumeViewsHiddenAndFreed(page);
    await expectStackDraws(viewer);
  });

  test('a series with a slice missing (uneven spacing) says so in the views', async ({ viewer, page }) => {
    const files = await writePhantomSeries(dir, { slices: 6, rows: 64, columns: 64, seriesDescription: 'Slice missing' });
    await unlink(files[3]);
    await viewer.openPath(dir);
    await viewer.waitForImport();
    await viewer.waitForRender(0);
    await page.getByTestId('command-layout.2x2').click();
    await expect(page.getByTestId('mpr-reason').first()).toContainText('its slice spacing is uneven (5 mm between slice-003.dcm and slice-005.dcm, 2.5 mm elsewhere)');
    // The stack beside the refused views still shows the series.
    await expectStackDraws(viewer);
  });

  test.describe('with an undecodable slice', () => {
    // The slice is decoded on purpose: cornerstone's console errors about it are expected, an uncaught error is not.
    test.use({ allowedPageErrors: UNDECODABLE_FILE_ERRORS });
    test('a slice that cannot be decoded leaves the volume incomplete: the views name the file and the reason', async ({ viewer, page }) => {
      const study = newUid();
      const series = newUid();
      const frameOfReference = newUid();
      const files = await writePhantomSeries(dir, { slices: 4, rows: 64, columns: 64, seriesDescription: 'Broken slice', studyInstanceUid: study, seriesInstanceUid: series, frameOfReferenceUid: frameOfReference });
      // A fifth slice 2.5 mm above the others, of the same series, whose one JPEG Baseline fragment is garbage after its markers.
      const garbage = new Uint8Array(2048);
      garbage.set([0xff, 0xd8, 0xff, 0xdb]);
      for (let i = 4; i < garbage.length; i++) garbage[i] = (i * 37) & 0xff;
      const spacingMm = 384 / 64;
      const header = {
        SOPClassUID: CT_IMAGE_STORAGE,
        SOPInstanceUID: newUid(),
        StudyInstanceUID: study,
        SeriesInstanceUID: series,
        FrameOfReferenceUID: frameOfReference,
        Modality: 'CT',
        PatientName: 'Phantom^Synthetic',
        PatientID: 'PHANTOM-0001',
        SeriesDescription: 'Broken slice',
        SeriesNumber: 1,
        InstanceNumber: 5,
        ImagePositionPatient: [-192 + spacingMm / 2, -192 + spacingMm / 2, 6.25],
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        PixelSpacing: [spacingMm, spacingMm],
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        Rows: 64,
        Columns: 64,
        BitsAllocated: 8,
        BitsStored: 8,
        HighBit: 7,
        PixelRepresentation: 0,
      };
      await writeFile(path.join(dir, 'broken-slice.dcm'), encodePart10(header, '1.2.840.10008.1.2.4.50', { frames: [garbage], vr: 'OB' }));
      expect(files).toHaveLength(4);
      await viewer.openPath(dir);
      await viewer.waitForImport();
      await expect(viewer.seriesItems.filter({ hasText: 'Broken slice' })).toHaveAttribute('data-instances', '5');
      await viewer.waitForRender(0);
      await page.getByTestId('command-layout.1x3').click();
      await expect(page.getByTestId('mpr-views')).toHaveAttribute('data-status', 'refused', { timeout: 60_000 });
      const reason = page.getByTestId('mpr-reason').first();
      await expect(reason).toContainText('the volume is incomplete: broken-slice.dcm could not be read');
      await expect(reason).toContainText('JPEG Baseline');
      await page.getByTestId('command-layout.1x1').click();
      await expectStackDraws(viewer);
    });
  });
});
