import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { scratchFolder } from '../fixtures/scratch-folder';
import { ijkToWorld } from '../geometry/patient-space';
import { fitToSeries } from '../services/mask-series-fit';
import { encodeNiftiLabels, NiftiWriteError, seriesGeometry } from './nifti-writer';
import { readMaskFile } from './read-mask';
import { overlappingContent, testPlanes, writeSourceSeries } from './seg-writer.fixtures';
import { segSourceOfSeries } from './seg-writer-source';

const scratch = scratchFolder('nifti-writer');

/** The voxel → RAS matrix nifti-reader-js builds from a header (its sform, or its qform when sform_code is 0). */
function readerAffine(gz: Uint8Array, dropSform = false): number[][] {
  const raw = Buffer.from(gunzipSync(gz));
  if (dropSform) raw.writeInt16LE(0, 254);
  const header = nifti.readHeader(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer)!;
  return header.affine.slice(0, 3).map((row) => [...row]);
}
const apply = (m: number[][], ijk: number[]): number[] => m.map((row) => row[0] * ijk[0] + row[1] * ijk[1] + row[2] * ijk[2] + row[3]);

const planes = { ...testPlanes, tilted: { orientation: [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number], sliceStepMm: [0, 0.6, 2.4] as const } };

describe('NIfTI writer', () => {
  for (const [planeName, plane] of Object.entries(planes)) {
    it(`puts the label map on the ${planeName} series: affine = image positions in RAS, and our reader gives identical voxels`, async () => {
      const series = await writeSourceSeries(path.join(scratch.path, planeName), { columns: 12, rows: 9, slices: 6, ...plane });
      const content = overlappingContent([12, 9, 6]);
      const source = await segSourceOfSeries(series);
      const written = encodeNiftiLabels({ source, content, segmentNumbers: [1, 3], name: planeName });
      expect(written.datatype).toBe('uint8');

      // Every slice's first voxel lies on its image's ImagePositionPatient (LPS → RAS), and voxel steps follow the spacing.
      const affine = readerAffine(written.bytes);
      const geometry = seriesGeometry(source);
      for (const [z, frame] of source.frames.entries()) {
        const ras = apply(affine, [0, 0, z]);
        const lps = [-ras[0], -ras[1], ras[2]];
        lps.forEach((v, r) => expect(v).toBeCloseTo(frame.positionMm![r], 3));
        const far = ijkToWorld(geometry, [11, 8, z]);
        apply(affine, [11, 8, z]).forEach((v, r) => expect(v).toBeCloseTo(r < 2 ? -far[r] : far[r], 3));
      }
      // The qform says the same where the grid is not sheared (a quaternion cannot hold a shear: qform_code 0 then).
      const qformCode = Buffer.from(gunzipSync(written.bytes)).readInt16LE(252);
      if (planeName === 'tilted') expect(qformCode).toBe(0);
      else {
        expect(qformCode).toBe(1);
        const fromQform = readerAffine(written.bytes, true);
        fromQform.forEach((row, r) => row.forEach((v, k) => expect(v).toBeCloseTo(affine[r][k], 4)));
      }

      const file = await scratch.write(`${planeName}.nii.gz`, written.bytes);
      const fitted = await fitToSeries(file, await readMaskFile(file), series);
      if (typeof fitted === 'string') throw new Error(fitted);
      const expected = new Uint8Array(12 * 9 * 6);
      for (const n of [1, 3]) content.masks.get(n)!.forEach((v, i) => v && (expected[i] = n));
      expect(Buffer.from(fitted.volume.data as Uint8Array).equals(Buffer.from(expected))).toBe(true);
      expect(written.voxelCounts.get(3)).toBe(content.masks.get(3)!.reduce((a, v) => a + v, 0));
    });
  }

  it('refuses overlapping segments by name and count, never flattening them', async () => {
    const series = await writeSourceSeries(path.join(scratch.path, 'overlap'), { columns: 12, rows: 9, slices: 6, ...testPlanes.axial });
    const content = overlappingContent([12, 9, 6]);
    const overlap = content.masks.get(1)!.reduce((n, v, i) => n + (v && content.masks.get(2)![i] ? 1 : 0), 0);
    const source = await segSourceOfSeries(series);
    expect(() => encodeNiftiLabels({ source, content, name: 'x' })).toThrow(new NiftiWriteError(`segments 1 and 2 overlap in ${overlap} voxels; a NIfTI label map holds one segment per voxel, so choose segments that do not overlap or export as DICOM SEG`));
    expect(() => encodeNiftiLabels({ source, content, segmentNumbers: [7], name: 'x' })).toThrow(/segment 7 is not in the segmentation/);
  });

  it('writes uint16 when a segment number is above 255', async () => {
    const series = await writeSourceSeries(path.join(scratch.path, 'wide'), { columns: 5, rows: 4, slices: 2, ...testPlanes.axial });
    const mask = new Uint8Array(40);
    mask[7] = 1;
    const content = { shape: [5, 4, 2] as const, segments: [{ number: 300, label: 'many', color: [1, 2, 3] as [number, number, number] }], masks: new Map([[300, mask]]) };
    const written = encodeNiftiLabels({ source: await segSourceOfSeries(series), content, name: 'wide' });
    expect(written.datatype).toBe('uint16');
    const file = await scratch.write('wide.nii.gz', written.bytes);
    const read = await readMaskFile(file);
    expect(Array.from(read.volume.data).findIndex((v) => v === 300)).toBe(7);
  });
});
