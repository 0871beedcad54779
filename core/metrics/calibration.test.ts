import { describe, expect, it } from 'vitest';
import { calibrationBin, expectedCalibrationError } from './calibration';

describe('expected calibration error', () => {
  it('bins are (b/M, (b+1)/M], with 0 in the first bin', () => {
    expect(calibrationBin(0, 10)).toBe(0);
    expect(calibrationBin(0.1, 10)).toBe(0);
    expect(calibrationBin(0.1000001, 10)).toBe(1);
    expect(calibrationBin(1, 10)).toBe(9);
  });

  it('by hand', () => {
    // bin (0.2, 0.3]: confidences 0.25, 0.3, outcomes ✗ ✓ → acc 0.5, conf 0.275, |gap| 0.225, weight 2/4
    // bin (0.9, 1.0]: confidences 0.95, 1.0, outcomes ✓ ✓ → acc 1, conf 0.975, |gap| 0.025, weight 2/4
    // ECE = 0.5 · 0.225 + 0.5 · 0.025 = 0.125
    expect(expectedCalibrationError([0.25, 0.3, 0.95, 1], [false, true, true, true])).toBeCloseTo(0.125, 12);
    // perfectly calibrated in one bin → 0; a sure wrong answer → 1
    expect(expectedCalibrationError([0.5, 0.5], [true, false])).toBe(0);
    expect(expectedCalibrationError([1], [false])).toBe(1);
  });

  it('no samples → null; bad confidences and lengths are errors', () => {
    expect(expectedCalibrationError([], [])).toBeNull();
    expect(() => expectedCalibrationError([1.2], [true])).toThrow(/outside \[0, 1\]/);
    expect(() => expectedCalibrationError([Number.NaN], [true])).toThrow(/outside/);
    expect(() => expectedCalibrationError([0.5], [])).toThrow(/1 confidences but 0/);
  });
});
