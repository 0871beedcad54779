// Statistics of the pixels an ellipse or rectangle measurement encloses on its image (pure, no Node imports).
import { worldToIjk, type VolumeGeometry } from '../geometry/patient-space';
import type { Vec3 } from '../geometry/vec3';
import { areaMm2, type MeasurementGeometry } from './measurement';

/** One image's modality values (e.g. HU) on its pixel grid, with the plane's geometry (k = 0 on it). */
export interface PlaneValues {
  columns: number;
  rows: number;
  /** The modality value of pixel index = column + columns · row. */
  valueAt: (index: number) => number;
  geometry: VolumeGeometry;
}

export interface RoiStats {
  /** Pixels whose centre lies inside the shape. */
  pixelCount: number;
  mean: number;
  /** Population standard deviation (over every enclosed pixel, not a sample of them). */
  stdDev: number;
  min: number;
  max: number;
  /** The shape's own area (mm²), not pixelCount × pixel area. */
  areaMm2: number;
}

export type RoiGeometry = Extract<MeasurementGeometry, { kind: 'ellipse' | 'rectangle' }>;

/** Points further than this from the image plane (in slices) belong to another image. */
const OFF_PLANE_TOLERANCE = 0.5;

/**
 * The shape in pixel coordinates as a centre and two spanning vectors: a pixel centre c is inside when
 * c − origin = s·u + t·v with (s, t) in the unit disc (ellipse: origin = centre, u/v = semi-axes) or in
 * [0, 1]² (rectangle: origin = first corner, u/v = its sides).
 */
function shapeInPixels(image: PlaneValues, roi: RoiGeometry): { origin: [number, number]; u: [number, number]; v: [number, number] } | string {
  const ij = roi.pointsMm.map((p) => worldToIjk(image.geometry, p as Vec3));
  const off = ij.find((p) => Math.abs(p[2]) > OFF_PLANE_TOLERANCE);
  if (off) return `a point of the ${roi.kind} lies ${off[2].toFixed(2)} slices off the image it was drawn on`;
  const [p0, p1, p2, p3] = ij;
  if (roi.kind === 'ellipse') {
    const centre: [number, number] = [(p0[0] + p1[0] + p2[0] + p3[0]) / 4, (p0[1] + p1[1] + p2[1] + p3[1]) / 4];
    return { origin: centre, u: [(p1[0] - p0[0]) / 2, (p1[1] - p0[1]) / 2], v: [(p3[0] - p2[0]) / 2, (p3[1] - p2[1]) / 2] };
  }
  return { origin: [p0[0], p0[1]], u: [p1[0] - p0[0], p1[1] - p0[1]], v: [p2[0] - p0[0], p2[1] - p0[1]] };
}

/** Mean, SD, min and max of the enclosed pixels and the area; a reason in words when there are none. */
export function roiStats(image: PlaneValues, roi: RoiGeometry): { ok: true; stats: RoiStats } | { ok: false; reason: string } {
  const shape = shapeInPixels(image, roi);
  if (typeof shape === 'string') return { ok: false, reason: shape };
  const { origin, u, v } = shape;
  const det = u[0] * v[1] - u[1] * v[0];
  if (Math.abs(det) < 1e-9) return { ok: false, reason: `the ${roi.kind} has no area` };
  // Bounding box of the shape's extreme points, clipped to the image.
  const corners = roi.kind === 'ellipse'
    ? [[origin[0] - Math.hypot(u[0], v[0]), origin[1] - Math.hypot(u[1], v[1])], [origin[0] + Math.hypot(u[0], v[0]), origin[1] + Math.hypot(u[1], v[1])]]
    : [[origin[0], origin[1]], [origin[0] + u[0], origin[1] + u[1]], [origin[0] + v[0], origin[1] + v[1]], [origin[0] + u[0] + v[0], origin[1] + u[1] + v[1]]];
  const iMin = Math.max(0, Math.ceil(Math.min(...corners.map((c) => c[0])) - 1e-9));
  const iMax = Math.min(image.columns - 1, Math.floor(Math.max(...corners.map((c) => c[0])) + 1e-9));
  const jMin = Math.max(0, Math.ceil(Math.min(...corners.map((c) => c[1])) - 1e-9));
  const jMax = Math.min(image.rows - 1, Math.floor(Math.max(...corners.map((c) => c[1])) + 1e-9));

  let count = 0;
  let sum = 0;
  let sumSquares = 0;
  let min = Infinity;
  let max = -Infinity;
  // Inside tests allow a hair of rounding so a pixel centre exactly on the edge counts, as a drawn edge does.
  const eps = 1e-9;
  for (let j = jMin; j <= jMax; j++) {
    for (let i = iMin; i <= iMax; i++) {
      const dx = i - origin[0];
      const dy = j - origin[1];
      const s = (dx * v[1] - dy * v[0]) / det;
      const t = (u[0] * dy - u[1] * dx) / det;
      const inside = roi.kind === 'ellipse' ? s * s + t * t <= 1 + eps : s >= -eps && s <= 1 + eps && t >= -eps && t <= 1 + eps;
      if (!inside) continue;
      const value = image.valueAt(i + image.columns * j);
      count++;
      sum += value;
      sumSquares += value * value;
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  if (count === 0) return { ok: false, reason: `the ${roi.kind} encloses no pixel centre of the image` };
  const mean = sum / count;
  // Clamp: rounding can make the variance of equal values a tiny negative number.
  const stdDev = Math.sqrt(Math.max(0, sumSquares / count - mean * mean));
  return { ok: true, stats: { pixelCount: count, mean, stdDev, min, max, areaMm2: areaMm2(roi) } };
}
