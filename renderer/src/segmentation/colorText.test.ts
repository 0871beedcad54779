import { describe, expect, it } from 'vitest';
import { hexToRgb, rgbToHex } from './colorText';

describe('segment colours as colour-input text', () => {
  it('round-trips #rrggbb', () => {
    expect(rgbToHex([230, 25, 7])).toBe('#e61907');
    expect(hexToRgb('#e61907')).toEqual([230, 25, 7]);
    expect(hexToRgb('nonsense')).toEqual([0, 0, 0]);
  });
});
