// Colour frames → 8-bit RGB: RGB as is, YBR_FULL / YBR_FULL_422 through PS3.3 C.7.6.3.1.2's
// equations, palette colour through its three LUTs; 16-bit samples and entries scaled to 8 bits.
// Deeper samples are scaled by Bits Stored through core/imaging/colour-depth, which the viewer calls too.
import { greatestSample, sampleTo8Bits as to8 } from '../imaging/colour-depth';
import { lutValue, type Lut } from './image-attributes';

/** Pixel-interleaved RGB or YBR_FULL stored values of `bitsStored` bits → 8-bit RGB. */
export function rgbBytes(values: Float64Array, bitsStored: number, ybr: boolean): Uint8Array {
  const max = greatestSample(bitsStored);
  const out = new Uint8Array(values.length);
  if (!ybr) {
    for (let i = 0; i < values.length; i++) out[i] = to8(values[i], max);
    return out;
  }
  const mid = 2 ** (bitsStored - 1);
  for (let i = 0; i + 2 < values.length; i += 3) {
    const y = values[i];
    const cb = values[i + 1] - mid;
    const cr = values[i + 2] - mid;
    out[i] = to8(y + 1.402 * cr, max);
    out[i + 1] = to8(y - 0.344136 * cb - 0.714136 * cr, max);
    out[i + 2] = to8(y + 1.772 * cb, max);
  }
  return out;
}

/**
 * Palette colour: each stored value through the red, green and blue LUTs. Values below a LUT's first
 * mapped value take its first entry, values past its end its last (PS3.3 C.7.6.3.1.5).
 */
export function paletteBytes(values: Float64Array, luts: readonly [Lut, Lut, Lut]): Uint8Array {
  const out = new Uint8Array(values.length * 3);
  luts.forEach((lut, channel) => {
    const max = lut.bitsPerEntry === 16 ? 65535 : 255;
    for (let i = 0; i < values.length; i++) out[i * 3 + channel] = to8(lutValue(lut, values[i]), max);
  });
  return out;
}
