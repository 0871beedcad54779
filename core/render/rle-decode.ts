import { RenderRefusal } from './render-refusal';

/**
 * Decodes one DICOM RLE Lossless frame (PS3.5 Annex G; the encoder is core/fixtures/rle.ts): a 64-byte
 * header (segment count, 15 little-endian offsets), then one PackBits segment per byte plane of each
 * sample, most significant byte first. Returns the samples little endian, one plane per sample
 * (planar configuration 1, whatever the header says: that is how RLE orders them).
 */
export function decodeRleFrame(fragment: Uint8Array, pixelCount: number, samplesPerPixel: number, bytesPerSample: number): Uint8Array {
  if (fragment.length < 64) throw new RenderRefusal(`the RLE frame holds ${fragment.length} bytes, less than its 64-byte header`);
  const view = new DataView(fragment.buffer, fragment.byteOffset, fragment.byteLength);
  const segmentCount = view.getUint32(0, true);
  const expected = samplesPerPixel * bytesPerSample;
  if (segmentCount !== expected) {
    throw new RenderRefusal(`the RLE header declares ${segmentCount} segments; ${samplesPerPixel} sample(s) of ${bytesPerSample} byte(s) need ${expected}`);
  }
  const offsets: number[] = [];
  for (let i = 0; i < segmentCount; i++) offsets.push(view.getUint32(4 + i * 4, true));
  const out = new Uint8Array(pixelCount * expected);
  for (let segment = 0; segment < segmentCount; segment++) {
    const start = offsets[segment];
    const end = segment + 1 < segmentCount ? offsets[segment + 1] : fragment.length;
    if (start < 64 || end > fragment.length || end < start) {
      throw new RenderRefusal(`RLE segment ${segment + 1} has impossible offsets ${start}..${end} in a frame of ${fragment.length} bytes`);
    }
    const sample = Math.floor(segment / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (segment % bytesPerSample);
    const decoded = unpackBits(fragment, start, end, out, sample * pixelCount * bytesPerSample + byteInSample, bytesPerSample, pixelCount);
    if (decoded < pixelCount) {
      throw new RenderRefusal(`RLE segment ${segment + 1} decodes to ${decoded} bytes; ${pixelCount} pixels need ${pixelCount}`);
    }
  }
  return out;
}

/**
 * PackBits: a header byte n, then n + 1 literal bytes (n 0..127) or one byte repeated 1 - n times
 * (n -1..-127); -128 is a no-op. Writes at most `limit` bytes into `out` every `stride` bytes from
 * `first`; returns how many it wrote (extra output, as some encoders pad, is dropped).
 */
function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array, first: number, stride: number, limit: number): number {
  let written = 0;
  let at = first;
  let i = start;
  while (i < end && written < limit) {
    const header = src[i++];
    if (header < 128) {
      const count = Math.min(header + 1, end - i, limit - written);
      for (let k = 0; k < count; k++, at += stride) out[at] = src[i + k];
      i += header + 1;
      written += count;
    } else if (header > 128) {
      if (i >= end) break;
      const value = src[i++];
      const count = Math.min(257 - header, limit - written);
      for (let k = 0; k < count; k++, at += stride) out[at] = value;
      written += count;
    }
  }
  return written;
}
