// Flood fill / region grow from a clicked voxel over image values, in the clicked plane (2D) or the volume (3D).
import { growComponent, VoxelBits } from './connectivity';
import { IndexBuffer } from './index-buffer';
import { checkRange, checkVoxelCount, dominantAxis, type EditVolume, type ImageValues, type Ijk, type ValueRange, type VoxelFilter } from './types';

/** A region grow's default ceiling: 16 M voxels (64 MB of indices), so a click on air cannot take the whole body. */
export const DEFAULT_MAX_REGION_VOXELS = 16 * 1024 * 1024;

export interface RegionGrowOptions {
  /** The clicked voxel (rounded to the nearest voxel). */
  seedIjk: Ijk;
  /** Which values join: within ± tolerance of the seed's value, or an explicit range. */
  values: { tolerance: number } | ValueRange;
  /** 2D: stay in the seed's slice across the normal's dominant axis ([0,0,1] = its axial slice). Absent: 3D. */
  planeNormal?: readonly [number, number, number];
  /** Stop after this many voxels (default DEFAULT_MAX_REGION_VOXELS); the result then says `truncated`. */
  maxVoxels?: number;
}

export interface GrownRegion {
  /** The region's flat indices, ascending. */
  indices: Uint32Array;
  /** True when the grow stopped at maxVoxels (the connected region is larger). */
  truncated: boolean;
  /** The value range that was used (the seed value ± tolerance, or the given range). */
  range: ValueRange;
}

/** The 6-connected region of voxels (4-connected in 2D) around the seed whose value is in range and that `allow` passes. */
export function growRegion(image: ImageValues, volume: EditVolume, options: RegionGrowOptions, allow?: VoxelFilter): GrownRegion {
  checkVoxelCount('growRegion', 'image', image.length, volume);
  const [w, h, d] = volume.shape;
  const seed = options.seedIjk.map(Math.round);
  if (seed.some((c, axis) => !(c >= 0 && c < volume.shape[axis]))) {
    throw new RangeError(`growRegion: seed ${options.seedIjk.join(',')} is outside the ${w}×${h}×${d} volume`);
  }
  const seedIndex = seed[0] + w * (seed[1] + h * seed[2]);
  let range: ValueRange;
  if ('tolerance' in options.values) {
    const { tolerance } = options.values;
    if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new RangeError(`growRegion: tolerance ${tolerance} is not a non-negative number`);
    range = { min: image[seedIndex] - tolerance, max: image[seedIndex] + tolerance };
  } else {
    range = { min: options.values.min, max: options.values.max };
  }
  checkRange('growRegion', range);
  const maxVoxels = options.maxVoxels ?? DEFAULT_MAX_REGION_VOXELS;
  if (!(maxVoxels >= 1)) throw new RangeError(`growRegion: maxVoxels ${maxVoxels} is not a positive number`);
  const { min, max } = range;
  const accept = (i: number): boolean => image[i] >= min && image[i] <= max && (!allow || allow(i));
  const region = new IndexBuffer();
  if (!accept(seedIndex)) return { indices: new Uint32Array(0), truncated: false, range };
  const complete = growComponent(volume.shape, seedIndex, accept, new VoxelBits(w * h * d), region, options.planeNormal ? dominantAxis('growRegion', options.planeNormal) : null, maxVoxels);
  return { indices: region.toSortedArray(), truncated: !complete, range };
}

/** Grows a region (growRegion) and sets it to `value` in `mask`; returns the changed indices, ascending, and the region. */
export function floodFill(mask: Uint8Array, image: ImageValues, volume: EditVolume, options: RegionGrowOptions, value: 0 | 1, allow?: VoxelFilter): GrownRegion & { changed: Uint32Array } {
  checkVoxelCount('floodFill', 'mask', mask.length, volume);
  const grown = growRegion(image, volume, options, allow);
  const changed = new IndexBuffer(Math.max(16, grown.indices.length));
  for (const i of grown.indices) {
    if (mask[i] !== value) {
      mask[i] = value;
      changed.push(i);
    }
  }
  return { ...grown, changed: changed.toSortedArray() };
}
