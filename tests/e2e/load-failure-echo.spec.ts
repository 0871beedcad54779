import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, expect, UNDECODABLE_FILE_ERRORS } from './fixtures';
import { writePhantomSeries } from '../../core/fixtures/phantom';
import { encodePart10, newUid } from '../../core/fixtures/dicom-writer';

// The broken JPEG is decoded on purpose: cornerstone's console errors about it are expected, an uncaught error is not.
test.use({ allowedPageErrors: UNDECODABLE_FILE_ERRORS });

test('an image that fails to load is reported on the image, never as an uncaught page error (cornerstone\'s cache re-throws it)', async ({ viewer, page, pageErrors }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vesalius-e2e-load-echo-'));
  try {
    const study = newUid();
    await writePhantomSeries(path.join(dir, 'plain'), { slices: 2, rows: 64, columns: 64, studyInstanceUid: study, seriesDescription: 'Plain phantom' });
    // A complete header, and a JPEG baseline fragment that is garbage after its SOI/DQT markers.
    const garbage = new Uint8Array(2048).map((_, i) => (i * 37) & 0xff);
    garbage.set([0xff, 0xd8, 0xff, 0xdb]);
    const header = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: newUid(), StudyInstanceUID: study, SeriesInstanceUID: newUid(),
      Modality: 'OT', PatientName: 'Phantom^Synthetic', PatientID: 'PHANTOM-0001', SeriesDescription: 'Broken JPEG', SeriesNumber: 9, InstanceNumber: 1,
      SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', PixelRepresentation: 0, Rows: 64, Columns: 64, BitsAllocated: 8, BitsStored: 8, HighBit: 7,
    };
    await writeFile(path.join(dir, 'broken.dcm'), encodePart10(header, '1.2.840.10008.1.2.4.50', { frames: [garbage], vr: 'OB' }));
    await viewer.openPath(dir);
    await viewer.waitForImport();
    await expect(viewer.seriesItems).toHaveCount(2);
    for (const description of ['Broken JPEG', 'Plain phantom', 'Broken JPEG']) {
      await viewer.seriesItems.filter({ hasText: description }).click();
      if (description === 'Broken JPEG') await expect(page.getByTestId('image-failure')).toHaveCount(1);
      else await expect(page.getByTestId('image-failure')).toHaveCount(0);
    }
    await page.waitForTimeout(500);
    expect(pageErrors.filter((error) => error.startsWith('pageerror: '))).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
