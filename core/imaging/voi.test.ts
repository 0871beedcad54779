import { describe, expect, it } from 'vitest';
import { chooseVoiWindow, modalityRange, windowOfRange } from './voi';

describe('chooseVoiWindow', () => {
  it("keeps the file's own window when its width is above zero", () => {
    expect(chooseVoiWindow([40], [400], { min: -1024, max: 3071 })).toEqual({ center: 40, width: 400, source: 'file' });
  });
  it('falls back to the data range for a width of 0, a negative or NaN width, or none', () => {
    const range = { min: -1000, max: 1000 };
    for (const widths of [[0], [-5], [Number.NaN], null, []]) {
      expect(chooseVoiWindow([40], widths, range)).toEqual({ center: 0, width: 2000, source: 'data-range' });
    }
    expect(chooseVoiWindow(null, [400], range).source).toBe('data-range');
  });
  it('gives a flat image width 1 around its value', () => {
    expect(windowOfRange({ min: 7, max: 7 })).toEqual({ center: 7, width: 1 });
  });
});

describe('modalityRange', () => {
  it('applies slope and intercept, swapping the ends for a negative slope', () => {
    expect(modalityRange({ min: 0, max: 4095 }, 1, -1024)).toEqual({ min: -1024, max: 3071 });
    expect(modalityRange({ min: 0, max: 100 }, -2, 10)).toEqual({ min: -190, max: 10 });
    expect(modalityRange({ min: 3, max: 9 }, null, undefined)).toEqual({ min: 3, max: 9 });
  });
});
