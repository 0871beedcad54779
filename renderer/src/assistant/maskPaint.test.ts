import { describe, expect, it } from 'vitest';
import { maskAreaCm2, maskOnStack, paintMask } from './maskPaint';

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

describe('maskOnStack', () => {
  it('puts the slice mask at its slice and leaves the others empty', () => {
    const painted = paintMask(Uint8Array.from([1, 0]), 2, 1);
    expect(Array.from(maskOnStack(painted, 1, 3))).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it('refuses a slice outside the stack', () => {
    const painted = paintMask(Uint8Array.from([1, 0]), 2, 1);
    expect(() => maskOnStack(painted, 3, 3)).toThrow(/slice 4 is not one of the stack's 3/);
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
