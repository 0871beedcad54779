// Writes chosen segments of a stored segmentation as a gzipped NIfTI-1 label map (.nii.gz) whose
// sform and qform put it on the series' images in RAS, as NIfTI readers (ITK, nibabel, 3D Slicer) expect.
import { gzipSync } from 'node:zlib';
import type { SegmentationContent } from '../annotations/model';
import type { VolumeGeometry } from '../geometry/patient-space';
import { flipLpsRasRows } from '../geometry/lps-ras';
import { stackVolumeGeometry } from '../geometry/stack-geometry';
import { cross, dot, scale, type Vec3 } from '../geometry/vec3';
import type { SegSource } from './seg-writer';

/** Thrown when the segmentation cannot be written as NIfTI; the message says why in words. */
export class NiftiWriteError extends Error {}

const HEADER_BYTES = 348;
/** Header, then the 4-byte extension flag (all zero: no extensions), then the voxels. */
const VOX_OFFSET = 352;
const DT_UINT8 = 2;
const DT_UINT16 = 512;
const NIFTI_INTENT_LABEL = 1002;
const NIFTI_XFORM_SCANNER_ANAT = 1;
const UNITS_MM = 2;

/** The series' voxel → patient (LPS) geometry: core/geometry's one stack-as-volume definition. */
export function seriesGeometry(source: SegSource): VolumeGeometry {
  const first = source.frames[0]?.positionMm ?? null;
  if (!first || !source.orientation || !source.pixelSpacingMm) {
    throw new NiftiWriteError(`${source.description} has no image plane in patient space (a projection image), so a NIfTI affine cannot place it`);
  }
  const geometry = stackVolumeGeometry({
    orientation: source.orientation,
    firstPositionMm: first,
    lastPositionMm: source.frames[source.frames.length - 1].positionMm,
    sliceCount: source.frames.length,
    pixelSpacingMm: source.pixelSpacingMm,
    fallbackSliceStepMm: source.sliceThicknessMm,
  });
  if (!geometry.ok) throw new NiftiWriteError(`${source.description}: ${geometry.reason}`);
  return geometry.geometry;
}

/** The voxel → RAS matrix rows [x y z offset]: the grid's voxel → LPS matrix carried to RAS. */
export function rasAffine(geometry: VolumeGeometry): number[][] {
  const [a, b, c] = geometry.stepMm;
  const o = geometry.originMm;
  return flipLpsRasRows([0, 1, 2].map((r) => [a[r], b[r], c[r], o[r]]));
}

/**
 * The NIfTI quaternion (b, c, d) and qfac of the rotation in a voxel → RAS matrix, or null when
 * its axes are not perpendicular (a sheared stack), which a quaternion cannot describe: then only
 * the sform is written. (NIfTI-1 header notes on quatern_b…d; the largest-component branch keeps it stable.)
 */
export function quaternionOf(affine: number[][]): { b: number; c: number; d: number; qfac: 1 | -1 } | null {
  const columns: Vec3[] = [0, 1, 2].map((p): Vec3 => {
    const v: Vec3 = [affine[0][p], affine[1][p], affine[2][p]];
    return scale(v, 1 / Math.hypot(...v));
  });
  const [u, v, w0] = columns;
  if (Math.abs(dot(u, v)) > 1e-4 || Math.abs(dot(u, w0)) > 1e-4 || Math.abs(dot(v, w0)) > 1e-4) return null;
  // A left-handed grid: qfac −1 and the third axis flipped, so the rest is a proper rotation.
  const qfac = dot(cross(u, v), w0) < 0 ? -1 : 1;
  const w = scale(w0, qfac);
  // R's rows r, columns u v w: R[r][p] = columns[p][r].
  const [r11, r21, r31] = u;
  const [r12, r22, r32] = v;
  const [r13, r23, r33] = w;
  const trace = r11 + r22 + r33;
  let qa: number, qb: number, qc: number, qd: number;
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace);
    qa = s / 4;
    qb = (r32 - r23) / s;
    qc = (r13 - r31) / s;
    qd = (r21 - r12) / s;
  } else if (r11 > r22 && r11 > r33) {
    const s = 2 * Math.sqrt(1 + r11 - r22 - r33);
    qa = (r32 - r23) / s;
    qb = s / 4;
    qc = (r12 + r21) / s;
    qd = (r13 + r31) / s;
  } else if (r22 > r33) {
    const s = 2 * Math.sqrt(1 + r22 - r11 - r33);
    qa = (r13 - r31) / s;
    qb = (r12 + r21) / s;
    qc = s / 4;
    qd = (r23 + r32) / s;
  } else {
    const s = 2 * Math.sqrt(1 + r33 - r11 - r22);
    qa = (r21 - r12) / s;
    qb = (r13 + r31) / s;
    qc = (r23 + r32) / s;
    qd = s / 4;
  }
  // NIfTI stores b, c, d with a = sqrt(1 − b² − c² − d²) ≥ 0: flip the sign of all four when a < 0.
  const sign = qa < 0 ? -1 : 1;
  return { b: qb * sign, c: qc * sign, d: qd * sign, qfac };
}

export interface NiftiWriteInput {
  source: SegSource;
  content: SegmentationContent;
  /** Segment numbers to write (all when omitted). */
  segmentNumbers?: readonly number[];
  /** The header's description (descrip, 80 bytes). */
  name: string;
}

export interface NiftiWriteResult {
  bytes: Buffer;
  datatype: 'uint8' | 'uint16';
  /** Voxels per label value written. */
  voxelCounts: Map<number, number>;
}

/** Writes label `n` where `mask` is set; counts its voxels and those already holding another label. */
function paintLabel(voxels: Uint8Array | Uint16Array, mask: Uint8Array, n: number): { count: number; overlap: number; overlapWith: number } {
  let count = 0;
  let overlap = 0;
  let overlapWith = 0;
  for (let i = mask.indexOf(1); i !== -1 && i < mask.length; i++) {
    if (mask[i] === 0) continue;
    const before = voxels[i];
    if (before !== 0) {
      overlap++;
      overlapWith = before;
    }
    voxels[i] = n;
    count++;
  }
  return { count, overlap, overlapWith };
}

/**
 * One 3-D label map, value = segment number (uint8, or uint16 when a number is above 255). A voxel
 * holds one value, so chosen segments that overlap are refused with the segments and the voxel
 * count named, never flattened silently: export them one at a time (--segments) or as DICOM SEG.
 */
export function encodeNiftiLabels(input: NiftiWriteInput): NiftiWriteResult {
  const { source, content } = input;
  const [width, height, depth] = content.shape;
  if (width !== source.columns || height !== source.rows || depth !== source.frames.length) {
    throw new NiftiWriteError(`segmentation ${width}×${height}×${depth} (columns×rows×slices) does not match ${source.description}, ${source.columns}×${source.rows}×${source.frames.length}`);
  }
  const known = new Set(content.segments.map((s) => s.number));
  const numbers = [...(input.segmentNumbers ?? [...known])].sort((a, b) => a - b);
  if (numbers.length === 0) throw new NiftiWriteError('no segments chosen');
  for (const n of numbers) if (!known.has(n)) throw new NiftiWriteError(`segment ${n} is not in the segmentation (it has ${[...known].join(', ')})`);

  const geometry = seriesGeometry(source);
  const wide = numbers[numbers.length - 1] > 0xff;
  const voxels = wide ? new Uint16Array(width * height * depth) : new Uint8Array(width * height * depth);
  const voxelCounts = new Map<number, number>();
  for (const n of numbers) {
    const mask = content.masks.get(n);
    const { count, overlap, overlapWith } = mask ? paintLabel(voxels, mask, n) : { count: 0, overlap: 0, overlapWith: 0 };
    if (overlap > 0) {
      throw new NiftiWriteError(`segments ${overlapWith} and ${n} overlap in ${overlap} voxels; a NIfTI label map holds one segment per voxel, so choose segments that do not overlap or export as DICOM SEG`);
    }
    voxelCounts.set(n, count);
  }

  const header = Buffer.alloc(VOX_OFFSET);
  header.writeInt32LE(HEADER_BYTES, 0);
  header.write('r', 38, 'latin1'); // regular
  [3, width, height, depth, 1, 1, 1, 1].forEach((v, k) => header.writeInt16LE(v, 40 + 2 * k));
  header.writeInt16LE(NIFTI_INTENT_LABEL, 68);
  header.writeInt16LE(wide ? DT_UINT16 : DT_UINT8, 70);
  header.writeInt16LE(wide ? 16 : 8, 72);
  const affine = rasAffine(geometry);
  const quaternion = quaternionOf(affine);
  [quaternion?.qfac ?? 1, ...geometry.spacingMm, 0, 0, 0, 0].forEach((v, k) => header.writeFloatLE(v, 76 + 4 * k));
  header.writeFloatLE(VOX_OFFSET, 108);
  header.writeFloatLE(1, 112); // scl_slope 1, scl_inter 0: stored values are the labels
  header.writeUInt8(UNITS_MM, 123);
  header.writeFloatLE(numbers[numbers.length - 1], 124); // cal_max, cal_min: the label range
  header.write(input.name.slice(0, 79), 148, 'utf8');
  header.writeInt16LE(quaternion ? NIFTI_XFORM_SCANNER_ANAT : 0, 252);
  header.writeInt16LE(NIFTI_XFORM_SCANNER_ANAT, 254);
  if (quaternion) {
    [quaternion.b, quaternion.c, quaternion.d, affine[0][3], affine[1][3], affine[2][3]].forEach((v, k) => header.writeFloatLE(v, 256 + 4 * k));
  }
  affine.forEach((row, r) => row.forEach((v, k) => header.writeFloatLE(v, 280 + 16 * r + 4 * k)));
  header.write('Label', 328, 'latin1');
  header.write('n+1\0', 344, 'latin1');
  const body = Buffer.from(voxels.buffer, voxels.byteOffset, voxels.byteLength);
  return { bytes: gzipSync(Buffer.concat([header, body])), datatype: wide ? 'uint16' : 'uint8', voxelCounts };
}
