// The threshold brush: a brush stroke that changes only voxels whose image value (HU) is in a range.
import { paintStroke, type BrushStroke } from './brush';
import { bothFilters, valueRangeFilter } from './filters';
import { checkRange, checkVoxelCount, type EditVolume, type ImageValues, type ValueRange, type VoxelFilter } from './types';

/** The named HU ranges of the threshold brush, in one table (toolbar, shortcuts and tests all read it). */
export const THRESHOLD_PRESETS = {
  lung: { label: 'Lung', min: -1000, max: -400 },
  fat: { label: 'Fat', min: -190, max: -30 },
  softTissue: { label: 'Soft tissue', min: -100, max: 300 },
  bone: { label: 'Bone', min: 300, max: 3000 },
} as const satisfies Record<string, ValueRange & { label: string }>;
export type ThresholdPreset = keyof typeof THRESHOLD_PRESETS;

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
