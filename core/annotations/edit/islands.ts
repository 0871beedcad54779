// Clean-up of a mask: remove islands smaller than N voxels, or keep only the largest component (3D, 6-connected).
import { growComponent, VoxelBits } from './connectivity';
import { IndexBuffer } from './index-buffer';
import { checkVoxelCount, type EditVolume } from './types';

/** Calls `visit` with each set voxel's index, ascending (it may clear the voxel it is given). */
function forEachSetVoxel(mask: Uint8Array, visit: (index: number) => void): void {
  let tail = 0;
  if ((mask.byteOffset & 3) === 0) {
    // Sixteen voxels (four words) a test: most of a mask is empty, and this loop is then all there is.
    const words = new Int32Array(mask.buffer, mask.byteOffset, mask.length >>> 4 << 2);
    for (let w = 0; w < words.length; w += 4) {
      if ((words[w] | words[w + 1] | words[w + 2] | words[w + 3]) === 0) continue;
      for (let i = w << 2, end = i + 16; i < end; i++) if (mask[i] !== 0) visit(i);
    }
    tail = words.length << 2;
  }
  for (let i = tail; i < mask.length; i++) if (mask[i] !== 0) visit(i);
}

/** Calls `visit` for the first voxel of every 6-connected component of set voxels, in index order, with its voxels in `voxels`. */
function forEachComponent(mask: Uint8Array, volume: EditVolume, visit: (voxels: IndexBuffer) => void): void {
  const reached = new VoxelBits(mask.length);
  const voxels = new IndexBuffer();
  const isSet = (i: number): boolean => mask[i] !== 0;
  forEachSetVoxel(mask, (i) => {
    if (reached.has(i)) return;
    voxels.reset();
    growComponent(volume.shape, i, isSet, reached, voxels);
    visit(voxels);
  });
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
  forEachSetVoxel(mask, (i) => {
    if (keep.has(i)) return;
    mask[i] = 0;
    cleared.push(i);
  });
  return cleared.toSortedArray();
}
