import { describe, expect, it } from 'vitest';
import { maskAreaCm2, paintMask } from './maskPaint';

describe('paintMask', () => {
  it('keeps the mask as 0/1 bytes and counts its pixels', () => {
    const painted = paintMask(Uint8Array.from([0, 1, 0, 255, 1, 0]), 3, 2);
    expect(painted.pixelCount).toBe(3);
    expect(Array.from(painted.mask)).toEqual([0, 1, 0, 1, 1, 0]);
    expect([painted.width, painted.height]).toEqual([3, 2]);
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
