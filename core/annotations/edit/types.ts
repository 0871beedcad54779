// Shared types of the editing kernels (pure: no DOM, no cornerstone, no Node; runs in the renderer too).
import { voxelCount, type Shape } from '../model';

/** A position in the voxel index space of the series volume (i = column, j = row, k = slice); may be fractional. */
export type Ijk = readonly [number, number, number];

/** The volume an edit works on: its shape and voxel spacing (mm along i, j, k). */
export interface EditVolume {
  shape: Shape;
  spacingMm: readonly [number, number, number];
}

/** A voxel test for constrained painting (threshold brush, locked segments): true = may change. */
export type VoxelFilter = (index: number) => boolean;

/** Modality values (e.g. HU) of the image volume, indexed like a mask (x fastest, then y, then z). */
export type ImageValues = Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array;

/** An inclusive range of modality values (HU for CT). */
export interface ValueRange {
  min: number;
  max: number;
}

/** Throws, naming the kernel, when a mask or image does not have one value per voxel of the volume. */
export function checkVoxelCount(kernel: string, what: string, length: number, volume: EditVolume): void {
  const expected = voxelCount(volume.shape);
  if (length !== expected) {
    throw new RangeError(`${kernel}: the ${what} has ${length} voxels, the volume ${volume.shape.join('×')} needs ${expected}`);
  }
}

/** Throws, naming the kernel, when a spacing is not three positive finite numbers. */
export function checkSpacing(kernel: string, volume: EditVolume): void {
  if (volume.spacingMm.length !== 3 || volume.spacingMm.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new RangeError(`${kernel}: voxel spacing ${volume.spacingMm.join(' × ')} mm is not three positive numbers`);
  }
}

/** The axis a plane normal (in ijk axes) is closest to: the one slice axis of an axial, sagittal or coronal view. */
export function dominantAxis(kernel: string, normal: readonly [number, number, number]): 0 | 1 | 2 {
  const magnitudes = normal.map(Math.abs);
  if (!magnitudes.every(Number.isFinite) || magnitudes.every((m) => m === 0)) throw new RangeError(`${kernel}: plane normal ${normal.join(',')} is not a direction`);
  return magnitudes[0] >= magnitudes[1] && magnitudes[0] >= magnitudes[2] ? 0 : magnitudes[1] >= magnitudes[2] ? 1 : 2;
}

/** The two in-plane axes of a slice across `axis`, in index order (rows run along the first). */
export const inPlaneAxes = (axis: 0 | 1 | 2): [0 | 1 | 2, 0 | 1 | 2] => (axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1]);

/** Throws, naming the kernel, when a range is not two finite numbers with min ≤ max. */
export function checkRange(kernel: string, range: ValueRange): void {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new RangeError(`${kernel}: value range ${range.min}…${range.max} is not two numbers with the first no larger than the second`);
  }
}
