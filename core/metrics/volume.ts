/**
 * Small helpers shared by the volume metrics: shape checks and foreground bounding boxes.
 * Pure TypeScript (also runs in the renderer).
 */
import type { LabelVolume } from './types';

export function voxelCount(shape: readonly [number, number, number]): number {
  return shape[0] * shape[1] * shape[2];
}

function shapeText(shape: readonly [number, number, number]): string {
  return `${shape[0]}×${shape[1]}×${shape[2]}`;
}

/** Throws unless the volume's data length matches its declared shape. */
export function assertConsistentVolume(volume: LabelVolume): void {
  const expected = voxelCount(volume.shape);
  if (!volume.shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new Error(`${volume.source}: shape ${shapeText(volume.shape)} is not made of non-negative integers`);
  }
  if (volume.data.length !== expected) {
    throw new Error(
      `${volume.source}: shape ${shapeText(volume.shape)} needs ${expected} voxels but the data holds ${volume.data.length}`,
    );
  }
}

/** Metrics never resample: two volumes are comparable only on the exact same voxel grid. */
export function assertSameShape(truth: LabelVolume, pred: LabelVolume): void {
  assertConsistentVolume(truth);
  assertConsistentVolume(pred);
  const [a, b] = [truth.shape, pred.shape];
  if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2]) {
    throw new Error(
      `shape mismatch: truth ${truth.source} is ${shapeText(a)} but prediction ${pred.source} is ${shapeText(b)} (volumes are never resampled)`,
    );
  }
}

/** Volume of one voxel in millilitres (1 ml = 1000 mm³). */
export function voxelVolumeMl(spacingMm: readonly [number, number, number]): number {
  return (spacingMm[0] * spacingMm[1] * spacingMm[2]) / 1000;
}

/** Inclusive voxel bounding box [x0, y0, z0, x1, y1, z1]; null when the selection is empty. */
export type BoundingBox = [number, number, number, number, number, number];

/**
 * Bounding box of voxels selected by `label` (any non-zero voxel when label is undefined),
 * merged over several volumes of the same shape.
 */
export function foregroundBoundingBox(volumes: LabelVolume[], label?: number): BoundingBox | null {
  let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -1, y1 = -1, z1 = -1;
  for (const volume of volumes) {
    const [w, h, d] = volume.shape;
    const data = volume.data;
    const sliceSize = w * h;
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < h; y++) {
        const rowStart = z * sliceSize + y * w;
        let first = -1;
        let last = -1;
        for (let x = 0; x < w; x++) {
          const v = data[rowStart + x];
          if (label === undefined ? v !== 0 : v === label) {
            if (first < 0) first = x;
            last = x;
          }
        }
        if (first < 0) continue;
        if (first < x0) x0 = first;
        if (last > x1) x1 = last;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
      }
    }
  }
  return x1 < 0 ? null : [x0, y0, z0, x1, y1, z1];
}
