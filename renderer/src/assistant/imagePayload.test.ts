import { describe, expect, it } from 'vitest';
import { assistantImageSchema } from '../../../core/contract/assistant';
import { workerImageOf } from '../../../core/services/assistant-handlers';
import { assistantImageOf, type DisplayedImage } from './imagePayload';

const base: Omit<DisplayedImage, 'pixels' | 'numberOfComponents' | 'modality'> = { width: 3, height: 2, prescaled: false, slope: 1, intercept: 0, invert: false };

/** The payload as the host hands it to the worker, after the contract's own validation. */
function roundTrip(image: DisplayedImage) {
  const payload = assistantImageOf(image);
  expect(assistantImageSchema.safeParse(payload).success).toBe(true);
  return { payload, decoded: workerImageOf(payload) };
}

describe('assistantImageOf', () => {
  it('sends CT stored values with their rescale', () => {
    const stored = Int16Array.from([0, 24, 1024, 1064, 2000, 4095]);
    const { payload, decoded } = roundTrip({ ...base, pixels: stored, numberOfComponents: 1, modality: 'CT', slope: 1, intercept: -1024 });
    expect(payload).toMatchObject({ kind: 'hu', dtype: 'int16', slope: 1, intercept: -1024 });
    expect(Array.from(decoded.data)).toEqual(Array.from(stored));
  });

  it('does not rescale CT pixels twice when cornerstone already converted them to HU', () => {
    const hu = Float32Array.from([-1000, -850, 40, 40.5, 700, 0]);
    const { payload, decoded } = roundTrip({ ...base, pixels: hu, numberOfComponents: 1, modality: 'CT', prescaled: true, slope: 0.5, intercept: -1024 });
    expect(payload).toMatchObject({ kind: 'hu', dtype: 'float32', slope: 1, intercept: 0 });
    expect(Array.from(decoded.data)).toEqual(Array.from(hu));
  });

  it('converts CT values held in an unsupported array type to float32', () => {
    const { payload, decoded } = roundTrip({ ...base, pixels: Int32Array.from([-5, 0, 5, 10, 15, 20]), numberOfComponents: 1, modality: 'CT' });
    expect(payload.dtype).toBe('float32');
    expect(Array.from(decoded.data)).toEqual([-5, 0, 5, 10, 15, 20]);
  });

  it('keeps 8-bit grayscale as it is and inverts MONOCHROME1', () => {
    const pixels = Uint8Array.from([0, 10, 20, 30, 200, 255]);
    expect(Array.from(roundTrip({ ...base, pixels, numberOfComponents: 1, modality: 'XA' }).decoded.data)).toEqual([0, 10, 20, 30, 200, 255]);
    const inverted = roundTrip({ ...base, pixels, numberOfComponents: 1, modality: 'CR', invert: true });
    expect(inverted.payload.kind).toBe('gray8');
    expect(Array.from(inverted.decoded.data)).toEqual([255, 245, 235, 225, 55, 0]);
  });

  it('stretches wider non-CT grayscale from its minimum to its maximum', () => {
    const { payload, decoded } = roundTrip({ ...base, pixels: Uint16Array.from([100, 100, 150, 300, 300, 300]), numberOfComponents: 1, modality: 'MR' });
    expect(payload).toMatchObject({ kind: 'gray8', dtype: 'uint8' });
    expect(Array.from(decoded.data)).toEqual([0, 0, 64, 255, 255, 255]);
  });

  it('drops the alpha channel of RGBA colour images', () => {
    const rgba = Uint8Array.from({ length: 6 * 4 }, (_, i) => (i % 4 === 3 ? 255 : i));
    const { payload, decoded } = roundTrip({ ...base, pixels: rgba, numberOfComponents: 4, modality: 'XC' });
    expect(payload.kind).toBe('rgb8');
    expect(Array.from(decoded.data)).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 21, 22]);
  });

  it('names the mismatch when the pixels are fewer than the image needs', () => {
    expect(() => assistantImageOf({ ...base, pixels: new Int16Array(5), numberOfComponents: 1, modality: 'CT' })).toThrow(/5 values but 3×2×1/);
  });
});
