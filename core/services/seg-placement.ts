import type { Series } from '../contract/dicom';
import { sameOrientation } from '../geometry/image-plane';
import { imagesOfFrames } from '../geometry/slice-order';
import { distance } from '../geometry/vec3';
import type { DicomSegMask, SegmentMask } from '../masks/dicom-seg';
import type { MaskSet } from '../masks/read-mask';
import type { LabelArray, LabelVolume } from '../metrics/types';

/** A SEG frame lies on an image when their planes coincide to within this (mm); float rounding in IPP strings is far smaller. */
const POSITION_TOLERANCE_MM = 0.05;
const ORIENTATION_TOLERANCE = 1e-4;

/** Copies each SEG slice z into series slice zTarget[z]; every other series slice stays background. */
function spread(volume: LabelVolume, zTarget: number[], depth: number): LabelVolume {
  const [width, height] = volume.shape;
  const sliceVoxels = width * height;
  const Ctor = volume.data.constructor as new (length: number) => LabelArray;
  const data = new Ctor(sliceVoxels * depth);
  zTarget.forEach((k, z) => data.set(volume.data.subarray(z * sliceVoxels, (z + 1) * sliceVoxels), k * sliceVoxels));
  return { data, shape: [width, height, depth], spacingMm: volume.spacingMm, source: volume.source };
}

/**
 * Puts a SEG that covers only some images of its series onto the series' full stack: each SEG
 * slice goes to the image whose plane it lies on (same orientation, same position). Nothing is
 * resampled; a slice that lies on no image is a reason string, as is a multi-frame series.
 */
export function placeSegOnSeries(seg: DicomSegMask, read: MaskSet, series: Series): MaskSet | string {
  if (series.instances.some((i) => i.numberOfFrames > 1)) return 'the series has multi-frame images; a partial SEG can be placed only on single-frame images';
  // The series' images one per z of its canonical frame list: the stack the SEG is spread onto.
  const resolved = imagesOfFrames(series.frames, series.instances);
  if (!resolved.ok) return `the series frame list is broken: ${resolved.reason}`;
  const images = resolved.images;
  const iop = images[0]?.imageOrientationPatient;
  if (!iop) return 'the series images carry no orientation, so the SEG frames cannot be placed on them';
  if (!seg.orientation || !sameOrientation(seg.orientation, iop, ORIENTATION_TOLERANCE)) {
    return `SEG orientation ${seg.orientation?.join('\\') ?? '(none)'} differs from the series orientation ${iop.join('\\')}`;
  }
  const zTarget: number[] = [];
  for (const [z, positionMm] of seg.slicePositionsMm.entries()) {
    if (!positionMm) return `SEG slice ${z} has no position`;
    const k = images.findIndex((i) => i.imagePositionPatient && distance(i.imagePositionPatient, positionMm) <= POSITION_TOLERANCE_MM);
    if (k < 0) return `SEG slice ${z} at (${positionMm.map((v) => v.toFixed(2)).join(', ')}) mm lies on no image of the series`;
    if (zTarget.includes(k)) return `two SEG slices lie on the same image ${images[k].sopInstanceUid}`;
    zTarget.push(k);
  }
  const depth = images.length;
  const segments = read.segments
    ? new Map<number, SegmentMask>([...read.segments].map(([n, s]) => [n, { ...s, volume: spread(s.volume, zTarget, depth) }]))
    : undefined;
  return { ...read, volume: spread(read.volume, zTarget, depth), ...(segments ? { segments } : {}) };
}
