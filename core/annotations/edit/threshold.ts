// The threshold brush: a brush stroke that changes only voxels whose image value (HU) is in a range.
import { paintStroke, type BrushStroke } from './brush';
import { checkVoxelCount, type EditVolume, type ImageValues, type VoxelFilter } from './types';

/** An inclusive range of modality values (HU for CT). */
export interface ValueRange {
  min: number;
  max: number;
}

/** The named HU ranges of the threshold brush, in one table (toolbar, shortcuts and tests all read it). */
export const THRESHOLD_PRESETS = {
  lung: { label: 'Lung', min: -1000, max: -400 },
  fat: { label: 'Fat', min: -190, max: -30 },
  softTissue: { label: 'Soft tissue', min: -100, max: 300 },
  bone: { label: 'Bone', min: 300, max: 3000 },
} as const satisfies Record<string, ValueRange & { label: string }>;
export type ThresholdPreset = keyof typeof THRESHOLD_PRESETS;

/** Throws, naming the kernel, when a range is not two finite numbers with min ≤ max. */
export function checkRange(kernel: string, range: ValueRange): void {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new RangeError(`${kernel}: value range ${range.min}…${range.max} is not two numbers with the first no larger than the second`);
  }
}

/** A filter passing voxels whose image value lies in [min, max]. */
export function valueRangeFilter(image: ImageValues, range: ValueRange): VoxelFilter {
  const { min, max } = range;
  return (index) => {
    const value = image[index];
    return value >= min && value <= max;
  };
}

/** Both filters must pass (a threshold and, say, a lock); either may be absent. */
export function bothFilters(a: VoxelFilter | undefined, b: VoxelFilter | undefined): VoxelFilter | undefined {
  if (!a) return b;
  if (!b) return a;
  return (index) => a(index) && b(index);
}

/**
 * paintStroke restricted to voxels whose value in `image` (modality values, indexed like the mask) lies in
 * `range`; returns the changed indices, ascending. `allow` adds a further constraint.
 */
export function paintThresholdStroke(
  mask: Uint8Array,
  volume: EditVolume,
  image: ImageValues,
  stroke: BrushStroke,
  range: ValueRange,
  value: 0 | 1,
  allow?: VoxelFilter,
): Uint32Array {
  checkVoxelCount('paintThresholdStroke', 'image', image.length, volume);
  checkRange('paintThresholdStroke', range);
  return paintStroke(mask, volume, stroke, value, bothFilters(valueRangeFilter(image, range), allow));
}
