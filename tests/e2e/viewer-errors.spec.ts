import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect, UNDECODABLE_FILE_ERRORS } from './fixtures';
import type { ViewerPage } from './viewer-page';
import { writePhantomSeries } from '../../core/fixtures/phantom';
import { encodePart10, newUid } from '../../core/fixtures/dicom-writer';
import { dataDirMissingMessage } from '../../core/config/data-dir';
import { realCtSampleDir } from '../../core/services/sample-paths';

// Every describe here shows an undecodable file: cornerstone's console errors about it are expected.
test.use({ allowedPageErrors: UNDECODABLE_FILE_ERRORS });

const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/** The attributes every generated secondary-capture image here shares: one phantom patient, one new series. */
const greyScreenCapture = (studyInstanceUid: string, seriesDescription: string, seriesNumber: number) => ({
  SOPClassUID: SECONDARY_CAPTURE,
  SOPInstanceUID: newUid(),
  StudyInstanceUID: studyInstanceUid,
  SeriesInstanceUID: newUid(),
  StudyDate: '20260101',
  Modality: 'OT',
  PatientName: 'Phantom^Synthetic',
  PatientID: 'PHANTOM-0001',
  SeriesDescription: seriesDescription,
  SeriesNumber: seriesNumber,
  InstanceNumber: 1,
  SamplesPerPixel: 1,
  PhotometricInterpretation: 'MONOCHROME2',
  PixelRepresentation: 0,
});

/**
 * A file that imports (a complete, valid header) but whose one JPEG baseline fragment is garbage
 * after the SOI/DQT markers: the codec rejects it when the viewer decodes it.
 */
async function writeUndecodableJpeg(file: string, studyInstanceUid: string, extra: Record<string, unknown> = {}): Promise<string> {
  const garbage = new Uint8Array(2048);
  garbage.set([0xff, 0xd8, 0xff, 0xdb]);
  for (let i = 4; i < garbage.length; i++) garbage[i] = (i * 37) & 0xff;
  const header = {
    ...greyScreenCapture(studyInstanceUid, 'Undecodable JPEG', 9),
    Rows: 64,
    Columns: 64,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    ...extra,
  };
  await writeFile(file, encodePart10(header, JPEG_BASELINE, { frames: [garbage], vr: 'OB' }));
  return file;
}

const small = { slices: 3, rows: 64, columns: 64 };

/** 32-bit unsigned grey, explicit VR big endian (as RT dose is stored): a left-to-right ramp over 0 … 4,000,000 with a bright square in the middle. */
async function writeBigEndian32Grey(file: string, studyInstanceUid: string): Promise<string> {
  const rows = 64;
  const columns = 64;
  const pixels = new Uint8Array(rows * columns * 4);
  const view = new DataView(pixels.buffer);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const inSquare = r >= 24 && r < 40 && c >= 24 && c < 40;
      view.setUint32((r * columns + c) * 4, inSquare ? 4_000_000 : Math.round((c / (columns - 1)) * 2_000_000), false);
    }
  }
  const header = {
    ...greyScreenCapture(studyInstanceUid, 'Big endian 32-bit grey', 8),
    Rows: rows,
    Columns: columns,
    BitsAllocated: 32,
    BitsStored: 32,
    HighBit: 31,
  };
  await writeFile(file, encodePart10(header, '1.2.840.10008.1.2.2', { frames: [pixels], vr: 'OW' }));
  return file;
}

/** Clicks a series by its description and waits until its first image is drawn. */
async function showSeries(viewer: ViewerPage, description: string, { newImage = true } = {}): Promise<void> {
  const since = await viewer.renderedAt();
  const shownBefore = (await viewer.viewport.getAttribute('data-rendered-image-id')) ?? '';
  const item = viewer.seriesItems.filter({ hasText: description });
  // The import may have opened this very series already (its first series is shown without a click).
  const alreadyShown = (await item.getAttribute('aria-pressed')) === 'true';
  await item.click();
  await expect(viewer.page.getByTestId('image-failure')).toHaveCount(0);
  if (since) await viewer.waitForRenderAfter(since);
  else await viewer.waitForRender(0);
  await expect(viewer.sliceIndex).toHaveText(/^1\//);
  // The canvas holds this series' image, not the previous one left behind by a load that failed silently.
  if (newImage && !alreadyShown) await expect(viewer.viewport).not.toHaveAttribute('data-rendered-image-id', shownBefore);
}

test.describe('viewer errors stay with their image (phantom study)', () => {
  let dir = '';
  let broken = '';

  test.beforeEach(async ({ viewer }) => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-viewer-errors-'));
    const study = newUid();
    await writePhantomSeries(path.join(dir, 'plain'), { ...small, studyInstanceUid: study, seriesDescription: 'Plain phantom' });
    await writePhantomSeries(path.join(dir, 'ww0'), { ...small, studyInstanceUid: study, seriesDescription: 'Window width zero', windowWidth: 0 });
    await writePhantomSeries(path.join(dir, 'mono1'), { ...small, studyInstanceUid: study, seriesDescription: 'Monochrome one', photometric: 'MONOCHROME1' });
    await writePhantomSeries(path.join(dir, 'deflated'), { ...small, studyInstanceUid: study, seriesDescription: 'Deflated phantom', transferSyntax: 'deflate' });
    await writeBigEndian32Grey(path.join(dir, 'be32.dcm'), study);
    broken = await writeUndecodableJpeg(path.join(dir, 'broken-jpeg.dcm'), study);
    await viewer.openPath(dir);
    await viewer.waitForImport();
    await expect(viewer.seriesItems).toHaveCount(6);
  });

  test.afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a file that fails to decode says why on the image and its thumbnail; the next series renders', async ({ viewer, page }) => {
    const failure = page.getByTestId('image-failure');
    for (let round = 0; round < 2; round++) {
      await viewer.seriesItems.filter({ hasText: 'Undecodable JPEG' }).click();
      await expect(failure).toBeVisible();
      await expect(failure).toContainText('Cannot display broken-jpeg.dcm');
      await expect(page.getByTestId('image-failure-reason')).toContainText('JPEG Baseline');
      await expect(failure).toHaveAttribute('title', new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      // The overlay never shows a zoom that is not a number.
      await expect(page.getByTestId('zoom')).not.toContainText('NaN');

      const thumbnail = viewer.seriesItems.filter({ hasText: 'Undecodable JPEG' }).getByTestId('series-thumbnail-error');
      await expect(thumbnail).toBeVisible();
      await expect(thumbnail).toHaveAttribute('title', /broken-jpeg\.dcm: the JPEG Baseline/);
      expect((await thumbnail.textContent())?.trim().length).toBeGreaterThan(10);

      // The failure poisons nothing: the plain series renders with its own window.
      // (The canvas may still hold the plain series' image from before: the failed one never replaced it.)
      await showSeries(viewer, 'Plain phantom', { newImage: false });
      await expect(viewer.wl).toHaveText('W 400 L 40');
      await expect(page.getByTestId('zoom')).toContainText('1.00×');
      expect((await viewer.canvasStats()).variance).toBeGreaterThan(200);
    }
    // The other series' thumbnails are drawn, not replaced by a reason.
    await expect(page.getByTestId('series-thumbnail-error')).toHaveCount(1);
  });

  test('a Window Width of 0 shows the data range with visible structure, and W/L dragging never inverts it', async ({ viewer }) => {
    await showSeries(viewer, 'Window width zero');
    // Phantom HU -1000 (air) … 700 (bone): the whole range.
    await expect(viewer.wl).toHaveText('W 1700 L -150');
    const stats = await viewer.canvasStats();
    expect(stats.variance).toBeGreaterThan(200);
    expect(stats.mean).toBeGreaterThan(5);
    const air = await viewer.luminanceAtImageFraction(0.03, 0.03);
    const soft = await viewer.luminanceAtImageFraction(0.5, 0.5 - 0.45 / 2);
    const bone = await viewer.luminanceAtImageFraction(0.5, 0.5 + 0.42 / 2);
    expect(air).toBeLessThan(soft);
    expect(soft).toBeLessThan(bone);

    // Drag left and up (narrower, lower window) far past zero width: cornerstone clamps at 1, never below.
    const since = await viewer.renderedAt();
    await viewer.dragOnImage([0.9, 0.9], [0.05, 0.05]);
    await viewer.waitForRenderAfter(since);
    const width = Number(/W (-?\d+)/.exec((await viewer.wl.textContent()) ?? '')?.[1]);
    expect(width).toBeGreaterThanOrEqual(1);
    expect(await viewer.luminanceAtImageFraction(0.03, 0.03)).toBeLessThanOrEqual(await viewer.luminanceAtImageFraction(0.5, 0.5 + 0.42 / 2));
  });

  test('a deflated explicit VR little endian series displays with its own window', async ({ viewer }) => {
    await showSeries(viewer, 'Deflated phantom');
    await expect(viewer.wl).toHaveText('W 400 L 40');
    expect((await viewer.canvasStats()).variance).toBeGreaterThan(200);
    expect(await viewer.luminanceAtImageFraction(0.03, 0.03)).toBeLessThan(await viewer.luminanceAtImageFraction(0.5, 0.5 + 0.42 / 2));
  });

  test('32-bit big endian grey (which cornerstone decodes to no pixels) displays, windowed on its data range', async ({ viewer }) => {
    await showSeries(viewer, 'Big endian 32-bit grey');
    await expect(viewer.wl).toHaveText('W 4000000 L 2000000');
    const left = await viewer.luminanceAtImageFraction(0.05, 0.1);
    const right = await viewer.luminanceAtImageFraction(0.95, 0.1);
    const square = await viewer.luminanceAtImageFraction(0.5, 0.5);
    expect(left).toBeLessThan(right);
    expect(right).toBeLessThan(square);
    expect(square).toBeGreaterThan(200);
  });

    test('MONOCHROME1 shows the lowest values bright', async ({ viewer }) => {
    await showSeries(viewer, 'Monochrome one');
    const air = await viewer.luminanceAtImageFraction(0.03, 0.03);
    const bone = await viewer.luminanceAtImageFraction(0.5, 0.5 + 0.42 / 2);
    expect(air).toBeGreaterThan(bone + 100);
    // The plain series after it is not inverted.
    await showSeries(viewer, 'Plain phantom');
    expect(await viewer.luminanceAtImageFraction(0.03, 0.03)).toBeLessThan(await viewer.luminanceAtImageFraction(0.5, 0.5 + 0.42 / 2));
  });
});

test.describe('one undecodable slice inside a series', () => {
  test('shows its reason on that slice only; the slices around it render', async ({ viewer, page }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-viewer-errors-slice-'));
    try {
      const study = newUid();
      const series = newUid();
      const frameOfReference = newUid();
      // Slices at z = -2.5, 0, 2.5 (64 columns over 384 mm); the broken one goes between the first two.
      await writePhantomSeries(path.join(dir, 'series'), { ...small, studyInstanceUid: study, seriesInstanceUid: series, frameOfReferenceUid: frameOfReference, seriesDescription: 'Phantom with a broken slice' });
      const spacing = 384 / 64;
      await writeUndecodableJpeg(path.join(dir, 'series', 'broken-slice.dcm'), study, {
        SeriesInstanceUID: series,
        SeriesDescription: 'Phantom with a broken slice',
        SeriesNumber: 1,
        Modality: 'CT',
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
        FrameOfReferenceUID: frameOfReference,
        ImagePositionPatient: [-192 + spacing / 2, -192 + spacing / 2, -1.25],
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        PixelSpacing: [spacing, spacing],
        SliceThickness: 2.5,
      });
      await viewer.openPath(dir);
      await viewer.waitForImport();
      await expect(viewer.seriesItems.first()).toHaveAttribute('data-instances', '4');
      await viewer.waitForRender(0);
      const failure = page.getByTestId('image-failure');
      await expect(failure).toHaveCount(0);

      await page.keyboard.press('ArrowDown');
      await expect(viewer.sliceIndex).toHaveText('2/4');
      await expect(failure).toContainText('Cannot display broken-slice.dcm');
      await expect(page.getByTestId('image-failure-reason')).toContainText('JPEG Baseline');

      let since = await viewer.renderedAt();
      await page.keyboard.press('ArrowDown');
      await expect(viewer.sliceIndex).toHaveText('3/4');
      await viewer.waitForRenderAfter(since);
      await expect(failure).toHaveCount(0);
      expect((await viewer.canvasStats()).variance).toBeGreaterThan(200);

      since = await viewer.renderedAt();
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      await expect(viewer.sliceIndex).toHaveText('1/4');
      await viewer.waitForRenderAfter(since);
      await expect(failure).toHaveCount(0);
      await expect(viewer.wl).toHaveText('W 400 L 40');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test.describe('a failed file, then the real CT', () => {
  test('the CT renders after a file that failed to decode', async ({ viewer, dataDir, page }) => {
    test.skip(!dataDir, dataDirMissingMessage());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-viewer-errors-ct-'));
    try {
      await writeUndecodableJpeg(path.join(dir, 'broken-jpeg.dcm'), newUid());
      await viewer.openPath(dir);
      await viewer.waitForImport();
      await expect(page.getByTestId('image-failure')).toContainText('broken-jpeg.dcm');

      await viewer.openPath(realCtSampleDir(dataDir!));
      await viewer.waitForImport();
      await viewer.waitForRender(0);
      await expect(page.getByTestId('image-failure')).toHaveCount(0);
      await expect(viewer.viewport).toHaveAttribute('data-render-path', 'gpu');
      await expect(page.getByTestId('zoom')).toContainText('1.00×');
      expect((await viewer.canvasStats()).variance).toBeGreaterThan(200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
