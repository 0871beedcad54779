import { describe, expect, it } from 'vitest';
import { volumeGeometry, type VolumeGeometry } from '../geometry/patient-space';
import { angleDegrees, areaMm2, measurementGeometrySchema } from './measurement';
import { roiStats, type PlaneValues } from './roi-stats';

const geometryOf = (spacing: [number, number]): VolumeGeometry => {
  const made = volumeGeometry({ originMm: [10, 20, 30], rowDirection: [1, 0, 0], columnDirection: [0, 1, 0], sliceDirection: [0, 0, 1], spacingMm: [spacing[0], spacing[1], 2] });
  if (!made.ok) throw new Error(made.reason);
  return made.geometry;
};
/** Pixel (i, j) → patient mm on this plane. */
const mm = (g: VolumeGeometry, i: number, j: number): [number, number, number] => [10 + i * g.spacingMm[0], 20 + j * g.spacingMm[1], 30];

/** 32×32, value = i + 100·j, so sums over known pixel sets are easy to state. */
function ramp(spacing: [number, number] = [0.5, 0.5]): PlaneValues {
  const values = new Float32Array(32 * 32);
  for (let j = 0; j < 32; j++) for (let i = 0; i < 32; i++) values[i + 32 * j] = i + 100 * j;
  return { columns: 32, rows: 32, valueAt: (i) => values[i], geometry: geometryOf(spacing) };
}

describe('ROI statistics', () => {
  it('a rectangle counts the pixel centres on and inside its edges', () => {
    const image = ramp();
    const g = image.geometry;
    const result = roiStats(image, { kind: 'rectangle', pointsMm: [mm(g, 2, 2), mm(g, 5, 2), mm(g, 2, 4), mm(g, 5, 4)] });
    if (!result.ok) throw new Error(result.reason);
    // i ∈ 2..5, j ∈ 2..4: 12 pixels, mean i 3.5, mean j 3.
    expect(result.stats.pixelCount).toBe(12);
    expect(result.stats.mean).toBeCloseTo(3.5 + 300, 10);
    expect(result.stats.min).toBe(202);
    expect(result.stats.max).toBe(405);
    expect(result.stats.areaMm2).toBeCloseTo(1.5 * 1, 10);
  });

  it('an ellipse inside a uniform tissue gives its value exactly, with SD 0', () => {
    const values = new Int16Array(32 * 32).fill(-1000);
    for (let j = 0; j < 32; j++) for (let i = 0; i < 32; i++) if ((i - 16) ** 2 + (j - 16) ** 2 <= 100) values[i + 32 * j] = 40;
    const image: PlaneValues = { columns: 32, rows: 32, valueAt: (i) => values[i], geometry: geometryOf([0.7, 0.7]) };
    const g = image.geometry;
    const result = roiStats(image, { kind: 'ellipse', pointsMm: [mm(g, 10, 16), mm(g, 22, 16), mm(g, 16, 12), mm(g, 16, 20)] });
    if (!result.ok) throw new Error(result.reason);
    expect(result.stats.mean).toBe(40);
    expect(result.stats.stdDev).toBe(0);
    expect(result.stats.areaMm2).toBeCloseTo(Math.PI * (6 * 0.7) * (4 * 0.7), 10);
  });

  it('a rotated ellipse counts the pixels of its own shape', () => {
    const image = ramp([1, 1]);
    const g = image.geometry;
    // Semi-axes of length 5 and 2 along the diagonals through (16, 16).
    const d = 5 / Math.SQRT2;
    const e = 2 / Math.SQRT2;
    const result = roiStats(image, { kind: 'ellipse', pointsMm: [mm(g, 16 - d, 16 - d), mm(g, 16 + d, 16 + d), mm(g, 16 + e, 16 - e), mm(g, 16 - e, 16 + e)] });
    if (!result.ok) throw new Error(result.reason);
    let expected = 0;
    for (let j = 0; j < 32; j++) for (let i = 0; i < 32; i++) {
      const s = ((i - 16) + (j - 16)) / Math.SQRT2 / 5;
      const t = ((j - 16) - (i - 16)) / Math.SQRT2 / 2;
      if (s * s + t * t <= 1 + 1e-9) expected++;
    }
    expect(result.stats.pixelCount).toBe(expected);
    // Symmetric about the centre: the mean is the centre's value.
    expect(result.stats.mean).toBeCloseTo(16 + 1600, 6);
  });

  it('refuses a shape off its image or without area, in words', () => {
    const image = ramp();
    const g = image.geometry;
    const off = roiStats(image, { kind: 'rectangle', pointsMm: [mm(g, 2, 2), mm(g, 5, 2), mm(g, 2, 4), [10 + 2.5, 20 + 2, 33]] });
    expect(off).toEqual({ ok: false, reason: 'a point of the rectangle lies 1.50 slices off the image it was drawn on' });
    const flat = roiStats(image, { kind: 'rectangle', pointsMm: [mm(g, 2, 2), mm(g, 5, 2), mm(g, 2, 2), mm(g, 5, 2)] });
    expect(flat).toEqual({ ok: false, reason: 'the rectangle has no area' });
  });
});

describe('measurement geometry', () => {
  it('angles at the vertex, exact near 0° and 180°', () => {
    expect(angleDegrees({ kind: 'angle', pointsMm: [[1, 0, 0], [0, 0, 0], [0, 1, 0]] })).toBeCloseTo(90, 12);
    expect(angleDegrees({ kind: 'angle', pointsMm: [[1, 0, 0], [0, 0, 0], [-1, 1e-9, 0]] })).toBeCloseTo(180, 6);
    expect(angleDegrees({ kind: 'angle', pointsMm: [[0, 0, 0], [0, 0, 0], [1, 0, 0]] })).toBeNull();
  });

  it('areas of an ellipse and a parallelogram-safe rectangle', () => {
    expect(areaMm2({ kind: 'ellipse', pointsMm: [[-3, 0, 0], [3, 0, 0], [0, -2, 0], [0, 2, 0]] })).toBeCloseTo(Math.PI * 6, 12);
    expect(areaMm2({ kind: 'rectangle', pointsMm: [[0, 0, 0], [4, 0, 0], [0, 0, 2], [4, 0, 2]] })).toBeCloseTo(8, 12);
  });

  it('the schema takes every kind and refuses a wrong point count', () => {
    expect(measurementGeometrySchema.safeParse({ kind: 'angle', pointsMm: [[0, 0, 0], [1, 1, 1], [2, 2, 2]] }).success).toBe(true);
    expect(measurementGeometrySchema.safeParse({ kind: 'ellipse', pointsMm: [[0, 0, 0], [1, 1, 1], [2, 2, 2]] }).success).toBe(false);
  });
});
