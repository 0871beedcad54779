// Grey-scale frames → 8-bit grey: the modality LUT (rescale slope and intercept, or the Modality LUT
// Sequence's table), the VOI window through its function (core/imaging/voi, shared with the viewer),
// MONOCHROME1 inverted.
import { applyVoiFunction, modalityRange, type ValueRange, type VoiFunction, type VoiWindow } from '../imaging/voi';
import { lutValue, type Lut } from './image-attributes';

export type ModalityTransform = { kind: 'rescale'; slope: number; intercept: number } | { kind: 'lut'; lut: Lut };

/** The modality LUT output range for stored values in `stored` (for the data-range window). */
export function modalityOutputRange(stored: ValueRange, modality: ModalityTransform): ValueRange {
  if (modality.kind === 'rescale') return modalityRange(stored, modality.slope, modality.intercept);
  const { lut } = modality;
  const clamp = (index: number): number => Math.min(Math.max(index, 0), lut.entries.length - 1);
  // Stored values outside the table take its end entries, which the clamped span includes.
  let min = Infinity;
  let max = -Infinity;
  for (let i = clamp(stored.min - lut.firstMapped); i <= clamp(stored.max - lut.firstMapped); i++) {
    const v = lut.entries[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

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
  modality: ModalityTransform;
  /** A window through its function, or the file's VOI LUT Sequence table (its entries scaled from 0 .. 2^bits - 1). */
  voi: { kind: 'window'; window: VoiWindow; voiFunction: VoiFunction } | { kind: 'lut'; lut: Lut };
  invert: boolean;
}

export function greyBytes(values: Float64Array, mapping: GreyMapping): Uint8Array {
  const out = new Uint8Array(values.length);
  const { modality, voi, invert } = mapping;
  const slope = modality.kind === 'rescale' ? modality.slope : 1;
  const intercept = modality.kind === 'rescale' ? modality.intercept : 0;
  const lut = modality.kind === 'lut' ? modality.lut : null;
  const lutScale = voi.kind === 'lut' ? 255 / (2 ** voi.lut.bitsPerEntry - 1) : 0;
  const toLevel =
    voi.kind === 'lut'
      ? (x: number): number => Math.min(255, Math.round(lutValue(voi.lut, x) * lutScale))
      : (x: number): number => Math.round(applyVoiFunction(x, voi.window, voi.voiFunction, 255));
  for (let i = 0; i < values.length; i++) {
    const level = toLevel(lut ? lutValue(lut, values[i]) : values[i] * slope + intercept);
    out[i] = invert ? 255 - level : level;
  }
  return out;
}
