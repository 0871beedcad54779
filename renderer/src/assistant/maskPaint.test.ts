import { describe, expect, it } from 'vitest';
import { maskAreaCm2, paintMask } from './maskPaint';

describe('paintMask', () => {
  it('paints mask pixels opaque in the colour and counts them', () => {
    const painted = paintMask(Uint8Array.from([0, 1, 0, 1, 1, 0]), 3, 2, [10, 20, 30]);
    expect(painted.pixelCount).toBe(3);
    expect(Array.from(painted.rgba.slice(4, 8))).toEqual([10, 20, 30, 255]);
    expect(Array.from(painted.rgba.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(painted.rgba[5 * 4 + 3]).toBe(0);
  });

  it('refuses a mask of the wrong size', () => {
    expect(() => paintMask(new Uint8Array(5), 3, 2)).toThrow(/5 bytes but a 3×2 image has 6/);
  });
});

describe('maskAreaCm2', () => {
  it('multiplies the count by the pixel area in cm²', () => {
    expect(maskAreaCm2(400, 0.5, 0.5)).toBeCloseTo(1);
    expect(maskAreaCm2(100, 2, 1.5)).toBeCloseTo(3);
  });

  it('is unknown without a valid spacing', () => {
    expect(maskAreaCm2(10, null, 1)).toBeNull();
    expect(maskAreaCm2(10, 0, 1)).toBeNull();
    expect(maskAreaCm2(10, 1, Number.NaN)).toBeNull();
  });
});
