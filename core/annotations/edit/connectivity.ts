// 6-connected breadth-first search over a voxel volume: the one traversal behind flood fill and island removal.
import type { Shape } from '../model';
import type { IndexBuffer } from './index-buffer';

/** One bit a voxel: which voxels a search has already reached (a 512×512×500 volume costs 16 MB, not 128). */
export class VoxelBits {
  readonly words: Uint32Array;
  constructor(voxels: number) {
    this.words = new Uint32Array((voxels + 31) >>> 5);
  }
  has(index: number): boolean {
    return (this.words[index >>> 5] & (1 << (index & 31))) !== 0;
  }
  add(index: number): void {
    this.words[index >>> 5] |= 1 << (index & 31);
  }
}

/**
 * From `seed`, every voxel reachable through face neighbours (6-connectivity) for which `accept` is true,
 * appended to `out` in breadth-first order (`out` is also the queue, so memory is one index per voxel found).
 * `planeAxis` keeps the search in the seed's slice across that axis (2D, 4-connectivity in the plane).
 * Stops once `maxVoxels` are found and returns false then (the region may be larger), else true.
 * The seed itself must be accepted by the caller; voxels already in `reached` are never entered.
 */
export function growComponent(
  shape: Shape,
  seed: number,
  accept: (index: number) => boolean,
  reached: VoxelBits,
  out: IndexBuffer,
  planeAxis: 0 | 1 | 2 | null = null,
  maxVoxels = Infinity,
): boolean {
  const [w, h, d] = shape;
  const wh = w * h;
  const start = out.length;
  let full = false;
  /** Enters voxel j when new and accepted; sets `full` once maxVoxels are found. */
  const enter = (j: number): void => {
    if (full || reached.has(j) || !accept(j)) return;
    reached.add(j);
    out.push(j);
    if (out.length - start >= maxVoxels) full = true;
  };
  reached.add(seed);
  out.push(seed);
  if (maxVoxels <= 1) full = true;
  for (let head = start; head < out.length && !full; head++) {
    const i = out.at(head);
    const x = i % w;
    const y = Math.floor(i / w) % h;
    const z = Math.floor(i / wh);
    // An axis equal to planeAxis is not walked (the search stays in the seed's slice).
    if (planeAxis !== 2 && z > 0) enter(i - wh);
    if (planeAxis !== 1 && y > 0) enter(i - w);
    if (planeAxis !== 0 && x > 0) enter(i - 1);
    if (planeAxis !== 0 && x < w - 1) enter(i + 1);
    if (planeAxis !== 1 && y < h - 1) enter(i + w);
    if (planeAxis !== 2 && z < d - 1) enter(i + wh);
  }
  return !full;
}
