import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import dicomParser, { type DataSet } from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import { decodeDicomSeg } from './dicom-seg';
import { segFile, type SegFixture } from './mask-fixtures';

// 3 rows × 5 columns = 15 pixels per frame: every frame after the first starts mid-byte.
const rows = 3;
const columns = 5;
const frameOf = (...ones: number[]): number[] => Array.from({ length: rows * columns }, (_, i) => (ones.includes(i) ? 1 : 0));

const overlapping: SegFixture = {
  type: 'BINARY',
  rows,
  columns,
  segments: [
    { number: 1, label: 'liver' },
    { number: 2, label: 'tumour' },
  ],
  // Deliberately out of z order and with segment 2 overlapping segment 1 at z = 0.
  frames: [
    { segmentNumber: 1, zMm: 4, pixels: frameOf(0, 14) },
    { segmentNumber: 1, zMm: 0, pixels: frameOf(1, 2, 3, 7, 8) },
    { segmentNumber: 2, zMm: 0, pixels: frameOf(3, 8, 9) },
    { segmentNumber: 2, zMm: 2, pixels: frameOf(6, 13) },
  ],
  pixelSpacingMm: [0.5, 0.25],
  sliceThicknessMm: 2,
  referencedSeriesUid: '1.2.3.4',
  referencedSopInstanceUids: ['1.2.3.4.1', '1.2.3.4.2'],
};

/** Voxel indices (x-fastest) of a segment volume that are set. */
const setVoxels = (data: ArrayLike<number>): number[] => Array.from(data).flatMap((v, i) => (v ? [i] : []));
const countSet = (data: ArrayLike<number>): number => {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i]) n++;
  return n;
};
const at = (z: number, pixel: number) => z * rows * columns + pixel;

describe('decodeDicomSeg on generated SEGs', () => {
  it('unpacks BINARY bits across frame boundaries, orders slices by position and keeps overlapping segments whole', () => {
    const seg = decodeDicomSeg(segFile(overlapping), 'two.dcm');
    expect(seg.segmentationType).toBe('BINARY');
    expect(seg.labelMap.shape).toEqual([5, 3, 3]);
    // PixelSpacing is (row spacing, column spacing) → x spacing is the second value.
    expect(seg.labelMap.spacingMm).toEqual([0.25, 0.5, 2]);
    expect(seg.slicePositionsMm.map((p) => p?.[2])).toEqual([0, 2, 4]);

    const liver = seg.segments.get(1)!;
    const tumour = seg.segments.get(2)!;
    expect(liver.name).toBe('liver');
    expect(setVoxels(liver.volume.data)).toEqual([at(0, 1), at(0, 2), at(0, 3), at(0, 7), at(0, 8), at(2, 0), at(2, 14)]);
    expect(setVoxels(tumour.volume.data)).toEqual([at(0, 3), at(0, 8), at(0, 9), at(1, 6), at(1, 13)]);
    expect(liver.voxelCount).toBe(7);
    expect(tumour.voxelCount).toBe(5);

    // Two voxels (pixels 3 and 8 at z 0) are in both; the label map gives them the higher number.
    expect(seg.overlapVoxelCount).toBe(2);
    expect(seg.labelMap.data[at(0, 3)]).toBe(2);
    expect(seg.labelMap.data[at(0, 8)]).toBe(2);
    expect(seg.labelMap.data[at(0, 1)]).toBe(1);
    expect(setVoxels(seg.labelMap.data)).toHaveLength(10);

    expect(seg.referencedSeriesUid).toBe('1.2.3.4');
    expect(seg.referencedSopInstanceUids).toEqual(['1.2.3.4.1', '1.2.3.4.2']);
  });

  it('thresholds FRACTIONAL values at MaximumFractionalValue / 2', () => {
    const pixels = [0, 49, 50, 100, 127, 128, 255, 0, 0, 0, 0, 0, 0, 0, 1];
    const seg = decodeDicomSeg(
      segFile({ type: 'FRACTIONAL', rows, columns, maxFractional: 100, segments: [{ number: 3, label: 'p' }], frames: [{ segmentNumber: 3, zMm: 0, pixels }] }),
      'frac.dcm',
    );
    expect(seg.fractionalThreshold).toBe(50);
    expect(setVoxels(seg.segments.get(3)!.volume.data)).toEqual([2, 3, 4, 5, 6]);
    expect(Array.from(seg.labelMap.data).filter((v) => v === 3)).toHaveLength(5);
  });

  it('reads a 16-bit LABELMAP SEG: value = segment number, padding value = background', () => {
    const seg = decodeDicomSeg(
      segFile({
        type: 'LABELMAP',
        labelMapBits: 16,
        pixelPaddingValue: 9,
        rows,
        columns,
        segments: [
          { number: 0, label: 'background' },
          { number: 4, label: 'kidney' },
          { number: 300, label: 'cyst' },
        ],
        frames: [
          { segmentNumber: 0, zMm: 5, pixels: [300, 300, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9] },
          { segmentNumber: 0, zMm: 1, pixels: [4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 300] },
        ],
      }),
      'lm.dcm',
    );
    expect(seg.segmentationType).toBe('LABELMAP');
    expect(seg.labelMap.shape).toEqual([5, 3, 2]);
    expect(seg.labelMap.data).toBeInstanceOf(Uint16Array);
    expect(setVoxels(seg.labelMap.data)).toEqual([0, 1, 2, 14, 15, 16]);
    expect([...seg.segments.keys()]).toEqual([4, 300]);
    expect(seg.segments.get(4)!.voxelCount).toBe(3);
    expect(setVoxels(seg.segments.get(300)!.volume.data)).toEqual([14, 15, 16]);
    expect(seg.segments.get(300)!.name).toBe('cyst');
  });

  it('gives clear errors: not a SEG, unsupported type, compressed pixel data, frame count mismatch', () => {
    const single: SegFixture = { ...overlapping, frames: overlapping.frames.slice(0, 1) };
    expect(() => decodeDicomSeg(segFile({ ...single, modality: 'CT', sopClassUid: '1.2.840.10008.5.1.4.1.1.2' }), 'ct.dcm')).toThrow(/ct\.dcm: not a DICOM SEG/);
    expect(() => decodeDicomSeg(segFile({ ...single, segmentationTypeText: 'SURFACE' }), 's.dcm')).toThrow(/s\.dcm: unsupported SegmentationType 'SURFACE'/);
    expect(() => decodeDicomSeg(segFile({ ...single, encapsulated: true }), 'c.dcm')).toThrow(/c\.dcm: encapsulated \(compressed\) pixel data/);
    expect(() => decodeDicomSeg(segFile({ ...overlapping, claimedFrameCount: 40 }), 'n.dcm')).toThrow(/n\.dcm: frame count mismatch/);
    expect(() => decodeDicomSeg(new TextEncoder().encode('not dicom at all'), 'x.dcm')).toThrow(/x\.dcm: not a readable DICOM/);
    const tiles: SegFixture = { ...overlapping, frames: [overlapping.frames[0], { ...overlapping.frames[0], xMm: 10 }] };
    expect(() => decodeDicomSeg(segFile(tiles), 't.dcm')).toThrow(/t\.dcm: frames at the same depth start at different points.*tiled frames are not supported/);
  });
});

// ---- Real SEG files: counts are checked against an independent count made straight from the PixelData bytes. ----

const dataDir = resolveDataDir();
if (!dataDir) console.warn(dataDirMissingMessage());

interface IndependentCount {
  type: string;
  perSegment: Map<number, number>;
}

/** Counts foreground per segment from raw bytes: set bits per frame range (BINARY), bytes ≥ max/2 (FRACTIONAL), byte values (LABELMAP). */
function countFromRawPixelData(bytes: Uint8Array): IndependentCount {
  const ds: DataSet = dicomParser.parseDicom(bytes);
  const type = ds.string('x00620001') ?? '';
  const pixels = ds.elements.x7fe00010;
  const raw = ds.byteArray.subarray(pixels.dataOffset, pixels.dataOffset + pixels.length);
  const frameSize = (ds.uint16('x00280010') ?? 0) * (ds.uint16('x00280011') ?? 0);
  const frames = ds.intString('x00280008') ?? 1;
  const perSegment = new Map<number, number>();
  const add = (segment: number, n: number) => perSegment.set(segment, (perSegment.get(segment) ?? 0) + n);
  if (type === 'LABELMAP') {
    const padding = ds.uint16('x00280120');
    for (let i = 0; i < frames * frameSize; i++) if (raw[i] !== 0 && raw[i] !== padding) add(raw[i], 1);
    return { type, perSegment };
  }
  const shared = ds.elements.x52009229?.items?.[0]?.dataSet;
  const maxFractional = ds.uint16('x0062000e') ?? 255;
  ds.elements.x52009230!.items!.forEach((item, frame) => {
    const identification = item.dataSet!.elements.x0062000a ?? shared!.elements.x0062000a;
    const segment = identification.items![0].dataSet!.uint16('x0062000b')!;
    let count = 0;
    if (type === 'BINARY') {
      for (let bit = frame * frameSize; bit < (frame + 1) * frameSize; bit++) count += (raw[bit >> 3] >> (bit & 7)) & 1;
    } else {
      for (let i = frame * frameSize; i < (frame + 1) * frameSize; i++) if (raw[i] * 2 >= maxFractional) count++;
    }
    add(segment, count);
  });
  return { type, perSegment };
}

describe.skipIf(!dataDir)('decodeDicomSeg on the real SEG files', () => {
  const files = dataDir
    ? [
        ...readdirSync(path.join(dataDir, 'dicom/dcmqi/segmentations'))
          .filter((f) => f.endsWith('.dcm'))
          .map((f) => path.join(dataDir, 'dicom/dcmqi/segmentations', f)),
        ...readdirSync(path.join(dataDir, 'dicom/highdicom'))
          .filter((f) => f.startsWith('seg_image_') && f.endsWith('.dcm'))
          .map((f) => path.join(dataDir, 'dicom/highdicom', f)),
      ]
    : [];
  const slideMicroscopy = files.filter((f) => path.basename(f).startsWith('seg_image_sm_'));
  const planar = files.filter((f) => !slideMicroscopy.includes(f));

  it('finds the expected files', () => {
    expect(planar.length).toBeGreaterThanOrEqual(10);
    expect(slideMicroscopy.length).toBeGreaterThanOrEqual(6);
  });

  it.each(planar.map((f) => [path.basename(f), f]))('%s: per-segment voxel counts match the raw PixelData', (_name, file) => {
    const bytes = new Uint8Array(readFileSync(file));
    const seg = decodeDicomSeg(bytes, file);
    const expected = countFromRawPixelData(bytes);
    expect(seg.segmentationType).toBe(expected.type);
    for (const [segmentNumber, count] of expected.perSegment) {
      expect(seg.segments.get(segmentNumber)?.voxelCount, `segment ${segmentNumber}`).toBe(count);
      expect(countSet(seg.segments.get(segmentNumber)!.volume.data), `segment ${segmentNumber} mask`).toBe(count);
    }
    for (const [segmentNumber, segment] of seg.segments) if (!expected.perSegment.has(segmentNumber)) expect(segment.voxelCount).toBe(0);
    const [w, h, d] = seg.labelMap.shape;
    expect(seg.labelMap.data).toHaveLength(w * h * d);
  });

  it('partial_overlaps.dcm: overlapping voxels are counted and every segment keeps them', () => {
    const seg = decodeDicomSeg(new Uint8Array(readFileSync(path.join(dataDir!, 'dicom/dcmqi/segmentations/partial_overlaps.dcm'))), 'po');
    const owners = new Uint8Array(seg.labelMap.data.length);
    for (const s of seg.segments.values()) s.volume.data.forEach((v, i) => (owners[i] += v));
    const inTwoOrMore = owners.reduce((n, c) => n + (c >= 2 ? 1 : 0), 0);
    expect(inTwoOrMore).toBeGreaterThan(0);
    expect(seg.overlapVoxelCount).toBe(inTwoOrMore);
    expect(seg.labelMap.shape).toEqual([512, 512, 3]);
  });

  it('liver.dcm names the CT series and the three slices it was drawn on', () => {
    const seg = decodeDicomSeg(new Uint8Array(readFileSync(path.join(dataDir!, 'dicom/dcmqi/segmentations/liver.dcm'))), 'liver');
    const ctUids = readdirSync(path.join(dataDir!, 'dicom/dcmqi/segmentations/ct-3slice')).map(
      (f) => dicomParser.parseDicom(new Uint8Array(readFileSync(path.join(dataDir!, 'dicom/dcmqi/segmentations/ct-3slice', f)))).string('x00080018')!,
    );
    expect([...seg.referencedSopInstanceUids].sort()).toEqual([...ctUids].sort());
    expect(seg.referencedSeriesUid).toBeTruthy();
    expect(seg.labelMap.spacingMm[0]).toBeCloseTo(0.810547, 5);
  });

  it.each(slideMicroscopy.map((f) => [path.basename(f), f]))('%s: slide-microscopy SEG is refused with a clear error', (_name, file) => {
    expect(() => decodeDicomSeg(new Uint8Array(readFileSync(file)), file)).toThrow(/slide-microscopy SEG/);
  });
});
