import { describe, expect, it } from 'vitest';
import { labelPng, rawPng } from './mask-fixtures';
import { decodePngLabels } from './png';
import { expectedImageDataBytes } from './png-image-data';

/** `rows` filtered rows (filter byte 0) of a `width`-pixel 8-bit grayscale image, pixel value = row + 1. */
const rowsOf = (width: number, rows: number): Uint8Array => {
  const out = new Uint8Array(rows * (width + 1));
  for (let y = 0; y < rows; y++) out.fill(y + 1, y * (width + 1) + 1, (y + 1) * (width + 1));
  return out;
};

describe('PNG image data against the header', () => {
  it('reads a PNG written by hand whose IDAT holds every row', () => {
    const volume = decodePngLabels(rawPng({ width: 3, height: 4, filteredRows: rowsOf(3, 4) }), 'whole.png');
    expect(Array.from(volume.data)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
  });

  it('refuses an IDAT holding 1 of 4 rows instead of scoring zero or uninitialised rows', () => {
    const short = rawPng({ width: 4, height: 4, filteredRows: rowsOf(4, 1) });
    for (let run = 0; run < 3; run++) {
      expect(() => decodePngLabels(short, 'short.png')).toThrow(
        'short.png: truncated PNG image data: IDAT inflates to 5 bytes (1 of 4 rows), but the 4 × 4 header (8-bit, colour type 0) needs 20',
      );
    }
  });

  it('refuses a zlib stream cut off mid-way, counting what it holds', () => {
    const cut = rawPng({ width: 64, height: 64, filteredRows: Uint8Array.from({ length: 65 * 64 }, (_, i) => (i * 7919) % 251), cutStreamBy: 2000 });
    expect(() => decodePngLabels(cut, 'cut.png')).toThrow(/^cut\.png: truncated PNG image data: IDAT inflates to \d+ bytes \(\d+ of 64 rows\), but the 64 × 64 header \(8-bit, colour type 0\) needs 4160$/);
  });

  it('refuses image data that inflates past what the header allows (without inflating it all)', () => {
    const long = rawPng({ width: 4, height: 2, filteredRows: new Uint8Array(50 * 1024 ** 2) });
    expect(() => decodePngLabels(long, 'long.png')).toThrow('long.png: PNG image data inflates to more than the 10 bytes the 4 × 2 header (8-bit, colour type 0) needs');
  });

  it('refuses a chunk that runs past the end of the file, with its byte offset', () => {
    const whole = rawPng({ width: 3, height: 4, filteredRows: rowsOf(3, 4) });
    const cut = whole.subarray(0, whole.length - 20); // into the IDAT chunk
    expect(() => decodePngLabels(cut, 'cut-chunk.png')).toThrow(/^cut-chunk\.png: corrupt PNG \(IDAT chunk at byte 33 declares \d+ bytes, past the end of the \d+-byte file\)$/);
  });

  it('knows the filtered size of 16-bit and Adam7-interlaced images', () => {
    expect(expectedImageDataBytes(3, 2, 16, 0, false)).toBe(2 * (1 + 6));
    // 8 × 8 gray, 8-bit, Adam7: passes of 1×1, 1×1, 2×1, 2×2, 4×2, 4×4, 8×4 pixels.
    expect(expectedImageDataBytes(8, 8, 8, 0, true)).toBe(2 + 2 + 3 + 2 * 3 + 2 * 5 + 4 * 5 + 4 * 9);
    // Existing writers' files keep reading.
    expect(Array.from(decodePngLabels(labelPng(2, 2, [0, 1000, 1, 65535], 16), 'b.png').data)).toEqual([0, 1000, 1, 65535]);
  });
});
