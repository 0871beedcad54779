// Clean-up of a mask: remove islands smaller than N voxels, or keep only the largest component (3D, 6-connected).
import { growComponent, VoxelBits } from './connectivity';
import { IndexBuffer } from './index-buffer';
import { checkVoxelCount, type EditVolume } from './types';

/** Calls `visit` for the first voxel of every 6-connected component of set voxels, in index order, with its voxels in `voxels`. */
function forEachComponent(mask: Uint8Array, volume: EditVolume, visit: (voxels: IndexBuffer) => void): void {
  const reached = new VoxelBits(mask.length);
  const voxels = new IndexBuffer();
  const isSet = (i: number): boolean => mask[i] !== 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0 || reached.has(i)) continue;
    voxels.reset();
    growComponent(volume.shape, i, isSet, reached, voxels);
    visit(voxels);
  }
}

/** Clears every 6-connected component of fewer than `minVoxels` voxels; returns the cleared indices, ascending. */
export function removeIslands(mask: Uint8Array, volume: EditVolume, minVoxels: number): Uint32Array {
  checkVoxelCount('removeIslands', 'mask', mask.length, volume);
  if (!(minVoxels >= 1)) throw new RangeError(`removeIslands: minimum island size ${minVoxels} is not a positive number`);
  const cleared = new IndexBuffer();
  forEachComponent(mask, volume, (voxels) => {
    if (voxels.length >= minVoxels) return;
    for (let k = 0; k < voxels.length; k++) cleared.push(voxels.at(k));
  });
  const indices = cleared.toSortedArray();
  for (const i of indices) mask[i] = 0;
  return indices;
}

/** Keeps only the largest 6-connected component (the first in index order on a tie); returns the cleared indices, ascending. */
export function keepLargestComponent(mask: Uint8Array, volume: EditVolume): Uint32Array {
  checkVoxelCount('keepLargestComponent', 'mask', mask.length, volume);
  let largestSeed = -1;
  let largestSize = 0;
  forEachComponent(mask, volume, (voxels) => {
    if (voxels.length > largestSize) {
      largestSize = voxels.length;
      largestSeed = voxels.at(0);
    }
  });
  if (largestSeed < 0) return new Uint32Array(0);
  const keep = new VoxelBits(mask.length);
  growComponent(volume.shape, largestSeed, (i) => mask[i] !== 0, keep, new IndexBuffer(largestSize));
  const cleared = new IndexBuffer();
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0 && !keep.has(i)) {
      mask[i] = 0;
      cleared.push(i);
    }
  }
  return cleared.toSortedArray();
}
