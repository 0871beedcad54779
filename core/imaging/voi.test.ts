import { describe, expect, it } from 'vitest';
import { applyVoiFunction, chooseVoiWindow, effectiveVoiFunction, modalityRange, voiFunctionOf, windowOfRange } from './voi';

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

describe('applyVoiFunction', () => {
  const window = { center: 40, width: 401 };
  it('LINEAR: c - 0.5 ± (w - 1) / 2 maps onto the output range (PS3.3 C.11.2.1.2.1)', () => {
    // band: 39.5 - 200 = -160.5 .. 39.5 + 200 = 239.5
    expect(applyVoiFunction(-160.5, window, 'LINEAR', 255)).toBe(0);
    expect(applyVoiFunction(239.6, window, 'LINEAR', 255)).toBe(255);
    expect(applyVoiFunction(39.5, window, 'LINEAR', 255)).toBeCloseTo(127.5, 10);
    expect(applyVoiFunction(139.5, window, 'LINEAR', 255)).toBeCloseTo(191.25, 10);
  });
  it('LINEAR with width 1 is a threshold at c - 0.5', () => {
    expect(applyVoiFunction(7, { center: 7.5, width: 1 }, 'LINEAR', 255)).toBe(0);
    expect(applyVoiFunction(7.01, { center: 7.5, width: 1 }, 'LINEAR', 255)).toBe(255);
  });
  it('LINEAR_EXACT: c ± w / 2', () => {
    expect(applyVoiFunction(40 - 200.5, window, 'LINEAR_EXACT', 255)).toBe(0);
    expect(applyVoiFunction(40, window, 'LINEAR_EXACT', 255)).toBeCloseTo(127.5, 10);
    expect(applyVoiFunction(40 + 100.25, window, 'LINEAR_EXACT', 255)).toBeCloseTo(191.25, 10);
  });
  it('SIGMOID: 1 / (1 + e^(-4 (x - c) / w))', () => {
    expect(applyVoiFunction(40, window, 'SIGMOID', 255)).toBeCloseTo(127.5, 10);
    expect(applyVoiFunction(40 + 401 / 4, window, 'SIGMOID', 255)).toBeCloseTo(255 / (1 + Math.exp(-1)), 10);
  });
  it('reads the function name, LINEAR by default', () => {
    expect(voiFunctionOf('SIGMOID ')).toBe('SIGMOID');
    expect(voiFunctionOf('linear_exact')).toBe('LINEAR_EXACT');
    expect(voiFunctionOf('')).toBe('LINEAR');
    expect(voiFunctionOf('OTHER')).toBe('LINEAR');
  });
});

describe('effectiveVoiFunction', () => {
  it('windows LINEAR below width 1, or over a range of real values, exactly; keeps every other choice', () => {
    expect(effectiveVoiFunction('LINEAR', 0.02)).toBe('LINEAR_EXACT');
    expect(effectiveVoiFunction('LINEAR', 1)).toBe('LINEAR');
    expect(effectiveVoiFunction('LINEAR', 1, true)).toBe('LINEAR_EXACT');
    expect(effectiveVoiFunction('SIGMOID', 0.5)).toBe('SIGMOID');
    expect(effectiveVoiFunction('LINEAR_EXACT', 400)).toBe('LINEAR_EXACT');
  });
});
