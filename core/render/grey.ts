// Grey-scale frames → 8-bit grey: the modality LUT (rescale slope and intercept), the VOI window
// through its function (core/imaging/voi, shared with the viewer), MONOCHROME1 inverted.
import { applyVoiFunction, type ValueRange, type VoiFunction, type VoiWindow } from '../imaging/voi';

/** Smallest and largest stored value of a frame. */
export function storedRange(values: Float64Array): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length === 0 ? { min: 0, max: 0 } : { min, max };
}

export interface GreyMapping {
  slope: number;
  intercept: number;
  window: VoiWindow;
  voiFunction: VoiFunction;
  invert: boolean;
}

export function greyBytes(values: Float64Array, mapping: GreyMapping): Uint8Array {
  const out = new Uint8Array(values.length);
  const { slope, intercept, window, voiFunction, invert } = mapping;
  for (let i = 0; i < values.length; i++) {
    const level = Math.round(applyVoiFunction(values[i] * slope + intercept, window, voiFunction, 255));
    out[i] = invert ? 255 - level : level;
  }
  return out;
}
