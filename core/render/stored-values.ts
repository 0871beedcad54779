// Raw frame bytes → stored pixel values (PS3.5 8.1.1, PS3.3 C.7.6.3.1): the BitsStored bits below
// HighBit kept (anything above, overlays or garbage, masked off), sign-extended for signed pixels,
// and samples pixel-interleaved whatever the planar configuration.

export interface RawSamples {
  bytes: Uint8Array;
  /** For 1-bit data: the bit of bytes[0] at which the frame starts (frames are packed without padding). */
  bitOffset: number;
  /** Bits per sample container: 1, 8, 16 or 32. */
  bitsAllocated: number;
  littleEndian: boolean;
  samplesPerPixel: number;
  planar: 0 | 1;
  /** Native YBR_FULL_422: Y1 Y2 Cb Cr per pair of pixels, expanded here to three samples per pixel. */
  ybr422: boolean;
  bitsStored: number;
  highBit: number;
  signed: boolean;
}

/** rows × columns × samplesPerPixel stored values, pixel-interleaved. */
export function storedValues(raw: RawSamples, pixelCount: number): Float64Array {
  const spp = raw.samplesPerPixel;
  const sampleCount = raw.ybr422 ? pixelCount * 2 : pixelCount * spp;
  const flat = readSamples(raw, sampleCount);
  if (raw.ybr422) {
    const out = new Float64Array(pixelCount * 3);
    for (let pair = 0; pair * 2 < pixelCount; pair++) {
      const [y1, y2, cb, cr] = [flat[pair * 4], flat[pair * 4 + 1], flat[pair * 4 + 2], flat[pair * 4 + 3]];
      out.set([y1, cb, cr], pair * 6);
      if (pair * 2 + 1 < pixelCount) out.set([y2, cb, cr], pair * 6 + 3);
    }
    return out;
  }
  if (spp === 1 || raw.planar === 0) return flat;
  const out = new Float64Array(pixelCount * spp);
  for (let s = 0; s < spp; s++) for (let p = 0; p < pixelCount; p++) out[p * spp + s] = flat[s * pixelCount + p];
  return out;
}

function readSamples(raw: RawSamples, count: number): Float64Array {
  const out = new Float64Array(count);
  const { bytes } = raw;
  if (raw.bitsAllocated === 1) {
    for (let i = 0; i < count; i++) {
      const bit = raw.bitOffset + i;
      out[i] = (bytes[bit >> 3] >> (bit & 7)) & 1;
    }
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shift = 2 ** (raw.highBit + 1 - raw.bitsStored);
  const modulus = 2 ** raw.bitsStored;
  const half = modulus / 2;
  // Nothing to mask when the stored bits fill the container from bit 0.
  const exact = raw.bitsStored === raw.bitsAllocated;
  for (let i = 0; i < count; i++) {
    let u: number;
    if (raw.bitsAllocated === 8) u = bytes[i];
    else if (raw.bitsAllocated === 16) u = view.getUint16(i * 2, raw.littleEndian);
    else u = view.getUint32(i * 4, raw.littleEndian);
    let v = exact ? u : Math.floor(u / shift) % modulus;
    if (raw.signed && v >= half) v -= modulus;
    out[i] = v;
  }
  return out;
}
