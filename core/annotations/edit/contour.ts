// Freehand contour fill and scissors: a closed polygon drawn in a slice, filled by scanlines (value 1 fills, 0 cuts).
import { IndexBuffer } from './index-buffer';
import { checkVoxelCount, dominantAxis, inPlaneAxes, type EditVolume, type Ijk, type VoxelFilter } from './types';

export interface SliceContour {
  /** The polygon's vertices in order (closed implicitly); they lie in one slice across the normal's dominant axis. */
  pointsIjk: readonly Ijk[];
  /** The view plane's normal in ijk axes ([0,0,1] axial); the slice is round(first point) along its dominant axis. */
  planeNormal: readonly [number, number, number];
}

// Voxel centres this close to an edge count as on it (freehand points are fractional).
const ON_EDGE = 1e-9;

/**
 * Sets to `value` every voxel of the contour's slice whose centre is inside the polygon (even–odd rule, so a
 * self-crossing loop leaves its doubly wound part out) or on its outline. Returns the changed indices, ascending.
 */
export function fillContour(mask: Uint8Array, volume: EditVolume, contour: SliceContour, value: 0 | 1, allow?: VoxelFilter): Uint32Array {
  checkVoxelCount('fillContour', 'mask', mask.length, volume);
  const { pointsIjk } = contour;
  if (pointsIjk.length < 3) throw new RangeError(`fillContour: a contour needs at least 3 points, it has ${pointsIjk.length}`);
  if (!pointsIjk.every((p) => p.every(Number.isFinite))) throw new RangeError('fillContour: a contour point has a coordinate that is not a finite number');
  const a = dominantAxis('fillContour', contour.planeNormal);
  // In-plane axes: u along the row, v across rows; every voxel of the slice is (u, v) at slice index `slice` on axis a.
  const [u, v] = inPlaneAxes(a);
  const { shape } = volume;
  const slice = Math.round(pointsIjk[0][a]);
  const changed = new IndexBuffer();
  if (slice < 0 || slice >= shape[a]) return changed.toSortedArray();
  const strides = [1, shape[0], shape[0] * shape[1]];
  const us = pointsIjk.map((p) => p[u]);
  const vs = pointsIjk.map((p) => p[v]);
  const count = us.length;
  const set = (pu: number, pv: number): void => {
    if (pu < 0 || pu >= shape[u] || pv < 0 || pv >= shape[v]) return;
    const index = slice * strides[a] + pu * strides[u] + pv * strides[v];
    if (mask[index] !== value && (!allow || allow(index))) {
      mask[index] = value;
      changed.push(index);
    }
  };
  const vMin = Math.max(0, Math.ceil(Math.min(...vs) - ON_EDGE));
  const vMax = Math.min(shape[v] - 1, Math.floor(Math.max(...vs) + ON_EDGE));
  const crossings = new Float64Array(count);
  for (let row = vMin; row <= vMax; row++) {
    // Interior: crossings of the row's line with the edges, half-open in v so a vertex on the line counts once.
    let found = 0;
    for (let e = 0; e < count; e++) {
      const u0 = us[e], v0 = vs[e];
      const u1 = us[(e + 1) % count], v1 = vs[(e + 1) % count];
      if ((v0 <= row && row < v1) || (v1 <= row && row < v0)) crossings[found++] = u0 + ((row - v0) / (v1 - v0)) * (u1 - u0);
    }
    const sorted = crossings.subarray(0, found).sort();
    for (let k = 0; k + 1 < found; k += 2) {
      for (let pu = Math.ceil(sorted[k] - ON_EDGE); pu <= Math.floor(sorted[k + 1] + ON_EDGE); pu++) set(pu, row);
    }
    // Outline: voxel centres on an edge (the half-open rule above misses those on a top edge or horizontal run).
    for (let e = 0; e < count; e++) {
      const u0 = us[e], v0 = vs[e];
      const u1 = us[(e + 1) % count], v1 = vs[(e + 1) % count];
      if (row < Math.min(v0, v1) - ON_EDGE || row > Math.max(v0, v1) + ON_EDGE) continue;
      if (Math.abs(v1 - v0) <= ON_EDGE) {
        for (let pu = Math.ceil(Math.min(u0, u1) - ON_EDGE); pu <= Math.floor(Math.max(u0, u1) + ON_EDGE); pu++) set(pu, row);
      } else {
        const at = u0 + ((row - v0) / (v1 - v0)) * (u1 - u0);
        if (Math.abs(at - Math.round(at)) <= ON_EDGE) set(Math.round(at), row);
      }
    }
  }
  return changed.toSortedArray();
}
