// Voxel filters for constrained editing: an image value range (threshold brush), other segments' voxels, both.
import type { ImageValues, ValueRange, VoxelFilter } from './types';

/** Passes voxels whose image value lies in [min, max]. */
export function valueRangeFilter(image: ImageValues, range: ValueRange): VoxelFilter {
  const { min, max } = range;
  return (index) => {
    const value = image[index];
    return value >= min && value <= max;
  };
}

/** Passes voxels that none of `masks` holds: paint a segment without overlapping these (e.g. the locked ones). */
export function outsideMasksFilter(masks: readonly Uint8Array[]): VoxelFilter | undefined {
  if (masks.length === 0) return undefined;
  return (index) => {
    for (const mask of masks) if (mask[index] !== 0) return false;
    return true;
  };
}

/** Both filters must pass (a threshold and, say, a lock); either may be absent. */
export function bothFilters(a: VoxelFilter | undefined, b: VoxelFilter | undefined): VoxelFilter | undefined {
  if (!a) return b;
  if (!b) return a;
  return (index) => a(index) && b(index);
}
