import { describe, expect, it } from 'vitest';
import type { Instance } from '../contract/dicom';
import { assembleSeries } from '../dicom/study-tree';
import type { DicomSegMask } from '../masks/dicom-seg';
import type { MaskSet } from '../masks/read-mask';
import { seriesShape } from './mask-series-fit';
import { placeSegOnSeries } from './seg-placement';

const header = { seriesInstanceUid: '1.2.3', seriesNumber: 1, modality: 'CT', description: '' };
const flipped = [1, 0, 0, 0, -1, 0] as const; // normal (0, 0, −1): the stack runs from high z to low z

const image = (k: number, z: number, fields: Partial<Instance> = {}): Instance => ({
  sopInstanceUid: `1.2.3.${k}`,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  path: `/fake/${k}.dcm`,
  fileKey: `key${k}`,
  instanceNumber: k,
  imagePositionPatient: [0, 0, z],
  imageOrientationPatient: [...flipped],
  sliceLocation: z,
  numberOfFrames: 1,
  rows: 1,
  columns: 2,
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  ...fields,
});

/** A 2×1 SEG with one slice per position given, slice s holding label s + 1 in both pixels. */
function partialSeg(positionsZ: number[]): { seg: DicomSegMask; read: MaskSet } {
  const data = Uint8Array.from(positionsZ.flatMap((_, s) => [s + 1, s + 1]));
  const volume = { data, shape: [2, 1, positionsZ.length] as const, spacingMm: [1, 1, 1] as const, source: 'seg.dcm' };
  const seg: DicomSegMask = {
    source: 'seg.dcm',
    segmentationType: 'BINARY',
    labelMap: volume,
    segments: new Map(),
    overlapVoxelCount: 0,
    fractionalThreshold: null,
    referencedSeriesUid: '1.2.3',
    referencedSopInstanceUids: [],
    slicePositionsMm: positionsZ.map((z) => [0, 0, z] as const),
    orientation: [...flipped],
  };
  return { seg, read: { source: 'seg.dcm', format: 'dicom-seg', volume } };
}

describe('placeSegOnSeries', () => {
  it('puts each SEG slice on the z of the canonical frame list, the z the viewer shows it at', () => {
    // Read order, instance numbers and SliceLocation all disagree with the order along the normal.
    const series = assembleSeries(header, [image(1, 0), image(2, 10), image(3, 5), image(4, 15)]);
    expect(series.frames.map((f) => f.fileKey)).toEqual(['key4', 'key2', 'key3', 'key1']);
    const { seg, read } = partialSeg([5, 15]);
    const placed = placeSegOnSeries(seg, read, series);
    if (typeof placed === 'string') throw new Error(placed);
    expect(placed.volume.shape).toEqual([2, 1, 4]);
    // z 0 = key4 (z 15 mm) gets SEG slice 1 (label 2); z 2 = key3 (z 5 mm) gets slice 0 (label 1).
    expect(Array.from(placed.volume.data)).toEqual([2, 2, 0, 0, 1, 1, 0, 0]);
  });

  it('names a SEG slice that lies on no image, and refuses a different orientation', () => {
    const series = assembleSeries(header, [image(1, 0), image(2, 5)]);
    expect(placeSegOnSeries(partialSeg([7]).seg, partialSeg([7]).read, series)).toMatch(/SEG slice 0 at \(0\.00, 0\.00, 7\.00\) mm lies on no image/);
    const axialSeries = assembleSeries(header, [image(1, 0, { imageOrientationPatient: [1, 0, 0, 0, 1, 0] }), image(2, 5, { imageOrientationPatient: [1, 0, 0, 0, 1, 0] })]);
    expect(placeSegOnSeries(partialSeg([5]).seg, partialSeg([5]).read, axialSeries)).toMatch(/differs from the series orientation/);
  });
});

describe('seriesShape', () => {
  it('takes the depth from the canonical frame list, multi-frame instances counted frame by frame', () => {
    const series = assembleSeries(header, [image(1, 0), image(2, 5, { numberOfFrames: 3 })]);
    const shape = seriesShape(series);
    expect(shape.ok && shape.value).toEqual([2, 1, 4]);
  });
});
