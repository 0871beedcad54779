import { describe, expect, it } from 'vitest';
import { windowForDecodedImage, windowValues } from './imageVoi';

const ct = { minPixelValue: 24, maxPixelValue: 1724, slope: 1, intercept: -1024, prescaled: false };

describe('windowForDecodedImage', () => {
  it("keeps the file's window when its width is above zero", () => {
    expect(windowForDecodedImage(ct, [40, 300], [400, 1500])).toEqual({ center: 40, width: 400, source: 'file' });
    expect(windowForDecodedImage(ct, '40\\300', '400\\1500')).toEqual({ center: 40, width: 400, source: 'file' });
  });

  it('falls back to the range after the modality LUT for a width of 0, below 0 or absent', () => {
    const range = { center: -150, width: 1700, source: 'data-range' };
    expect(windowForDecodedImage(ct, [40], [0])).toEqual(range);
    expect(windowForDecodedImage(ct, 40, -5)).toEqual(range);
    expect(windowForDecodedImage(ct, undefined, undefined)).toEqual(range);
    expect(windowForDecodedImage(ct, ['x'], ['y'])).toEqual(range);
  });

  it('does not apply the modality LUT twice to pixels the decoder already scaled', () => {
    expect(windowForDecodedImage({ ...ct, minPixelValue: -1000, maxPixelValue: 700, prescaled: true }, null, [0])).toEqual({ center: -150, width: 1700, source: 'data-range' });
  });

  it('never gives a width below 1 (a flat image), so the grey scale cannot come out inverted', () => {
    const flat = windowForDecodedImage({ ...ct, minPixelValue: 5, maxPixelValue: 5, intercept: 0 }, null, null);
    expect(flat.width).toBe(1);
    expect(windowValues(null)).toBeNull();
  });
});
