// Test fixtures for the SEG and NIfTI writers: small CT series on any plane, written by our own
// Part 10 writer, and segmentations with overlapping segments drawn on them.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Segment, SegmentationContent, Shape } from '../annotations/model';
import type { Series } from '../contract/dicom';
import { encodePart10, newUid } from '../dicom/part10-writer';
import { FileRegistry } from '../dicom/file-registry';
import { indexPaths } from '../dicom/indexer';
import { EXPLICIT_LE } from '../dicom/transfer-syntax';
import { imagePlane } from '../geometry/image-plane';
import { add, scale, type Vec3 } from '../geometry/vec3';

export interface SourceSeriesOptions {
  columns: number;
  rows: number;
  slices: number;
  orientation: [number, number, number, number, number, number];
  /** Patient position of slice k = origin + k × sliceStep; default: the normal × 2.5 mm. */
  sliceStepMm?: Vec3;
  originMm?: Vec3;
  /** [between rows, between columns] (mm). */
  pixelSpacingMm?: [number, number];
}

/** The planes the round-trip tests cover: axial, flipped (rows run posterior → anterior, slices head → feet) and oblique. */
export const testPlanes = {
  axial: { orientation: [1, 0, 0, 0, 1, 0] },
  flipped: { orientation: [1, 0, 0, 0, -1, 0], sliceStepMm: [0, 0, -3] },
  oblique: (() => {
    const c = Math.cos(0.5);
    const s = Math.sin(0.5);
    return { orientation: [c, s, 0, -s * 0.8, c * 0.8, 0.6] };
  })(),
  sagittal: { orientation: [0, 1, 0, 0, 0, -1] },
} satisfies Record<string, Pick<SourceSeriesOptions, 'orientation' | 'sliceStepMm'>>;

/** A value as a DS holds it (16 characters): rounded here so the file says exactly what the test compares. */
const decimal = (v: number): number => Number(v.toPrecision(10));

/** Writes the series into `dir` (one file per slice, files named out of slice order) and returns it as the indexer sees it. */
export async function writeSourceSeries(dir: string, options: SourceSeriesOptions): Promise<Series> {
  await mkdir(dir, { recursive: true });
  const plane = imagePlane({ orientation: options.orientation });
  if (!plane.ok) throw new Error(plane.reason);
  const step = options.sliceStepMm ?? scale(plane.plane.normal, 2.5);
  const origin = options.originMm ?? [-40.25, 12.5, 100];
  const studyInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const frameOfReferenceUid = newUid();
  const spacing = options.pixelSpacingMm ?? [0.8, 0.6];
  const pixels = new Uint8Array(options.rows * options.columns * 2);
  for (let k = 0; k < options.slices; k++) {
    const position = add(origin, scale(step, k));
    const dataset = {
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: newUid(),
      StudyDate: '20260102',
      StudyTime: '101500',
      AccessionNumber: 'ACC-7',
      Modality: 'CT',
      Manufacturer: 'Vesalius test series',
      ReferringPhysicianName: 'Doctor^Referring',
      PatientName: 'Segment^Tester',
      PatientID: 'SEG-TEST-1',
      PatientBirthDate: '19700101',
      PatientSex: 'F',
      StudyInstanceUID: studyInstanceUid,
      SeriesInstanceUID: seriesInstanceUid,
      StudyID: 'S1',
      SeriesNumber: 2,
      InstanceNumber: k + 1,
      ImagePositionPatient: position.map(decimal),
      ImageOrientationPatient: options.orientation.map(decimal),
      FrameOfReferenceUID: frameOfReferenceUid,
      SliceThickness: 2.5,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: options.rows,
      Columns: options.columns,
      PixelSpacing: spacing,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: -1024,
      RescaleSlope: 1,
    };
    // Reversed names: the canonical order must come from positions, not from file names.
    await writeFile(path.join(dir, `image-${String(options.slices - k).padStart(3, '0')}.dcm`), encodePart10(dataset, EXPLICIT_LE, { frames: [pixels], vr: 'OW' }));
  }
  const indexed = await indexPaths([dir], { registry: new FileRegistry() });
  const series = indexed.patients[0]?.studies[0]?.series[0];
  if (!series || indexed.errors.length) throw new Error(`fixture series in ${dir} did not index: ${JSON.stringify(indexed.errors)}`);
  return series;
}

/** A disc of `radius` voxels around (cx, cy) on slices [z0, z1) of a mask of `shape`. */
export function discInto(mask: Uint8Array, shape: Shape, cx: number, cy: number, radius: number, z0: number, z1: number): void {
  const [w, h] = shape;
  for (let z = z0; z < z1; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2) mask[x + w * (y + h * z)] = 1;
}

/**
 * Three segments: 1 and 2 overlap on some slices (each stays whole), 3 sits on one slice only and
 * lies against the first row and column (so a flip of an axis would show); codes and colours set on 1.
 */
export function overlappingContent(shape: Shape): SegmentationContent {
  const n = shape[0] * shape[1] * shape[2];
  const [w, h, d] = shape;
  const masks = new Map<number, Uint8Array>([
    [1, new Uint8Array(n)],
    [2, new Uint8Array(n)],
    [3, new Uint8Array(n)],
  ]);
  discInto(masks.get(1)!, shape, w * 0.4, h * 0.45, Math.min(w, h) * 0.25, 1, d - 1);
  discInto(masks.get(2)!, shape, w * 0.55, h * 0.5, Math.min(w, h) * 0.2, 2, d);
  const three = masks.get(3)!;
  for (let x = 0; x < 3; x++) three[x] = 1; // slice 0: the first row
  for (let y = 0; y < 4; y++) three[w * y] = 1; // and the first column
  const segments: Segment[] = [
    { number: 1, label: 'Liver', color: [221, 130, 101], category: { value: '123037004', scheme: 'SCT', meaning: 'Anatomical Structure' }, type: { value: '10200004', scheme: 'SCT', meaning: 'Liver' } },
    { number: 2, label: 'Lésion (中)', color: [0, 151, 206] },
    { number: 3, label: 'Corner marker', color: [255, 255, 0] },
  ];
  return { shape, segments, masks };
}
