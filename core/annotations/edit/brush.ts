// The brush and eraser: a disk (in a view plane) or a sphere swept along one mouse-move segment.
import { IndexBuffer } from './index-buffer';
import { checkSpacing, checkVoxelCount, dominantAxis, inPlaneAxes, type EditVolume, type Ijk, type VoxelFilter } from './types';

export interface BrushStroke {
  fromIjk: Ijk;
  toIjk: Ijk;
  radiusMm: number;
  shape: 'circle' | 'sphere';
  /** The view plane's normal in ijk axes ([0,0,1] axial, [1,0,0] sagittal, [0,1,0] coronal; oblique allowed). Unused for a sphere. */
  planeNormal: readonly [number, number, number];
}

/**
 * Paints (value 1) or erases (value 0) a stroke segment from fromIjk to toIjk into `mask` in place: a disk of
 * radiusMm in the plane through the stroke with normal planeNormal (in ijk axes, e.g. [0,0,1] for axial), or
 * a sphere. Returns the flat indices of voxels whose value changed (ascending).
 *
 * A voxel is painted when its centre is within radiusMm (measured in mm, so anisotropic voxels give a round
 * brush) of the segment. The circle's plane is one voxel thick: the digital plane through fromIjk that has
 * exactly one voxel on each line along the normal's dominant axis (for [0,0,1], slice round(k) of fromIjk).
 * toIjk is projected onto that plane. `allow`, when given, must say true for a voxel to change.
 */
export function paintStroke(mask: Uint8Array, volume: EditVolume, stroke: BrushStroke, value: 0 | 1, allow?: VoxelFilter): Uint32Array {
  checkVoxelCount('paintStroke', 'mask', mask.length, volume);
  checkSpacing('paintStroke', volume);
  if (!(stroke.radiusMm > 0) || !Number.isFinite(stroke.radiusMm)) throw new RangeError(`paintStroke: brush radius ${stroke.radiusMm} mm is not a positive number`);
  if (![...stroke.fromIjk, ...stroke.toIjk].every(Number.isFinite)) {
    throw new RangeError(`paintStroke: stroke ${stroke.fromIjk.join(',')} → ${stroke.toIjk.join(',')} has a coordinate that is not a finite number`);
  }
  const changed = new IndexBuffer();
  if (stroke.shape === 'sphere') paintCapsule(mask, volume, stroke, value, allow, changed);
  else paintDisk(mask, volume, stroke, value, allow, changed);
  return changed.toSortedArray();
}

/** Squared distance from point p to segment a→b (all in mm), with ab = b − a and abLength2 = |ab|². */
function segmentDistance2(px: number, py: number, pz: number, a: Ijk, ab: Ijk, abLength2: number): number {
  const dx = px - a[0];
  const dy = py - a[1];
  const dz = pz - a[2];
  let t = abLength2 > 0 ? (dx * ab[0] + dy * ab[1] + dz * ab[2]) / abLength2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = dx - t * ab[0];
  const ey = dy - t * ab[1];
  const ez = dz - t * ab[2];
  return ex * ex + ey * ey + ez * ez;
}

/** The inclusive index range along one axis that a ball of radiusMm around [lo, hi] can touch, clamped to the volume. */
function axisRange(lo: number, hi: number, radiusMm: number, spacingMm: number, size: number, marginVoxels = 0): [number, number] {
  const reach = radiusMm / spacingMm + marginVoxels;
  return [Math.max(0, Math.ceil(Math.min(lo, hi) - reach)), Math.min(size - 1, Math.floor(Math.max(lo, hi) + reach))];
}

// A hair over r² so that voxels exactly on the rim (integer radii in tests) are painted despite rounding.
const rimSquared = (radiusMm: number): number => radiusMm * radiusMm * (1 + 1e-12) + 1e-12;

function setVoxel(mask: Uint8Array, index: number, value: 0 | 1, allow: VoxelFilter | undefined, changed: IndexBuffer): void {
  if (mask[index] !== value && (!allow || allow(index))) {
    mask[index] = value;
    changed.push(index);
  }
}

function paintCapsule(mask: Uint8Array, volume: EditVolume, stroke: BrushStroke, value: 0 | 1, allow: VoxelFilter | undefined, changed: IndexBuffer): void {
  const [w, h, d] = volume.shape;
  const [sx, sy, sz] = volume.spacingMm;
  const { fromIjk: from, toIjk: to, radiusMm } = stroke;
  const a: Ijk = [from[0] * sx, from[1] * sy, from[2] * sz];
  const ab: Ijk = [(to[0] - from[0]) * sx, (to[1] - from[1]) * sy, (to[2] - from[2]) * sz];
  const abLength2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
  const r2 = rimSquared(radiusMm);
  const [x0, x1] = axisRange(from[0], to[0], radiusMm, sx, w);
  const [y0, y1] = axisRange(from[1], to[1], radiusMm, sy, h);
  const [z0, z1] = axisRange(from[2], to[2], radiusMm, sz, d);
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      const row = (z * h + y) * w;
      for (let x = x0; x <= x1; x++) {
        if (segmentDistance2(x * sx, y * sy, z * sz, a, ab, abLength2) <= r2) setVoxel(mask, row + x, value, allow, changed);
      }
    }
  }
}

function paintDisk(mask: Uint8Array, volume: EditVolume, stroke: BrushStroke, value: 0 | 1, allow: VoxelFilter | undefined, changed: IndexBuffer): void {
  const { shape, spacingMm } = volume;
  const { fromIjk: p0, radiusMm } = stroke;
  const n = [...stroke.planeNormal];
  // The dominant axis `a` carries the plane: for each voxel on the other two axes (b, c) there is one voxel along a.
  const a = dominantAxis('paintStroke', stroke.planeNormal);
  if (n[a] < 0) for (let i = 0; i < 3; i++) n[i] = -n[i];
  const [b, c] = inPlaneAxes(a);
  const n2 = n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
  // toIjk projected along the normal onto the plane through fromIjk.
  const to = stroke.toIjk;
  const along = (n[0] * (to[0] - p0[0]) + n[1] * (to[1] - p0[1]) + n[2] * (to[2] - p0[2])) / n2;
  const p1: Ijk = [to[0] - along * n[0], to[1] - along * n[1], to[2] - along * n[2]];
  const [sx, sy, sz] = spacingMm;
  const startMm: Ijk = [p0[0] * sx, p0[1] * sy, p0[2] * sz];
  const ab: Ijk = [(p1[0] - p0[0]) * sx, (p1[1] - p0[1]) * sy, (p1[2] - p0[2]) * sz];
  const abLength2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
  const r2 = rimSquared(radiusMm);
  // An oblique plane's voxels sit up to half a voxel off it, so their projections can reach a little further.
  const margin = n[b] !== 0 || n[c] !== 0 ? 1 : 0;
  const [b0, b1] = axisRange(p0[b], p1[b], radiusMm, spacingMm[b], shape[b], margin);
  const [c0, c1] = axisRange(p0[c], p1[c], radiusMm, spacingMm[c], shape[c], margin);
  const strides = [1, shape[0], shape[0] * shape[1]];
  const voxel = [0, 0, 0];
  for (let vc = c0; vc <= c1; vc++) {
    for (let vb = b0; vb <= b1; vb++) {
      // The one integer along a with −½ ≤ n·(p − p0)/n_a < ½ (half-open, so neighbouring planes never share a voxel).
      const centre = p0[a] - (n[b] * (vb - p0[b]) + n[c] * (vc - p0[c])) / n[a];
      const va = Math.ceil(centre - 0.5);
      if (va < 0 || va >= shape[a]) continue;
      voxel[a] = va;
      voxel[b] = vb;
      voxel[c] = vc;
      // Distance measured from the voxel's projection onto the plane, so the slab's thickness does not shrink the disk.
      const t = (n[0] * (voxel[0] - p0[0]) + n[1] * (voxel[1] - p0[1]) + n[2] * (voxel[2] - p0[2])) / n2;
      const qx = (voxel[0] - t * n[0]) * sx;
      const qy = (voxel[1] - t * n[1]) * sy;
      const qz = (voxel[2] - t * n[2]) * sz;
      if (segmentDistance2(qx, qy, qz, startMm, ab, abLength2) > r2) continue;
      setVoxel(mask, va * strides[a] + vb * strides[b] + vc * strides[c], value, allow, changed);
    }
  }
}
