import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { inflateErrorWords } from '../compress/zlib-words';
import { MaskReadError } from './mask-error';

/** Samples per pixel for each PNG colour type (gray, RGB, palette, gray + alpha, RGBA). */
const channelsByColourType: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7 passes: x start, y start, x step, y step. */
const adam7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Filtered bytes of a (sub-)image: one filter byte per row plus the packed samples. */
const filteredBytes = (width: number, height: number, bitsPerPixel: number): number =>
  width === 0 || height === 0 ? 0 : height * (1 + Math.ceil((width * bitsPerPixel) / 8));

/** How many inflated bytes the IHDR's size, depth, colour type and interlace method call for. */
export function expectedImageDataBytes(width: number, height: number, bitDepth: number, colourType: number, interlaced: boolean): number | null {
  const channels = channelsByColourType[colourType];
  if (channels === undefined) return null;
  const bitsPerPixel = channels * bitDepth;
  if (!interlaced) return filteredBytes(width, height, bitsPerPixel);
  let total = 0;
  for (const [x0, y0, dx, dy] of adam7) {
    total += filteredBytes(width > x0 ? Math.ceil((width - x0) / dx) : 0, height > y0 ? Math.ceil((height - y0) / dy) : 0, bitsPerPixel);
  }
  return total;
}

/**
 * Checks that the IDAT chunks inflate to exactly the size the header calls for, before pngjs decodes
 * them: pngjs accepts image data holding fewer rows than the header says and hands back zero or
 * uninitialised rows, which would be scored as labels. Inflation stops one byte past the expected
 * size, so a stream that inflates further is refused without being held whole.
 */
export function checkPngImageData(bytes: Uint8Array, source: string): void {
  if (bytes.byteLength < 33) throw new MaskReadError(source, 'corrupt PNG (shorter than its header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const colourType = bytes[25];
  const interlaced = bytes[28] === 1;
  const expected = expectedImageDataBytes(width, height, bitDepth, colourType, interlaced);
  if (expected === null) return; // pngjs names an unknown colour type itself

  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.byteLength; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    const end = at + 12 + length;
    if (end > bytes.byteLength) {
      throw new MaskReadError(source, `corrupt PNG (${type} chunk at byte ${at} declares ${length} bytes, past the end of the ${bytes.byteLength}-byte file)`);
    }
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at = end;
  }
  if (idat.length === 0) throw new MaskReadError(source, 'corrupt PNG (no IDAT image data)');

  let inflated: number;
  try {
    inflated = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 }).byteLength;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') inflated = expected + 1;
    else if (code === 'Z_BUF_ERROR') inflated = -1; // the stream ends early: measured below
    else throw new MaskReadError(source, `corrupt PNG image data (IDAT: ${inflateErrorWords(e)})`);
  }
  if (inflated === -1) inflated = inflatedPrefixBytes(Buffer.concat(idat), expected + 1);
  const header = `the ${width} × ${height} header (${bitDepth}-bit, colour type ${colourType}${interlaced ? ', interlaced' : ''})`;
  if (inflated < expected) {
    const rowBytes = 1 + Math.ceil((width * channelsByColourType[colourType] * bitDepth) / 8);
    const rows = interlaced ? '' : ` (${Math.floor(inflated / rowBytes)} of ${height} rows)`;
    throw new MaskReadError(source, `truncated PNG image data: IDAT inflates to ${inflated} bytes${rows}, but ${header} needs ${expected}`);
  }
  if (inflated > expected) throw new MaskReadError(source, `PNG image data inflates to more than the ${expected} bytes ${header} needs`);
}

/** Bytes a truncated zlib stream yields before it ends (inflateSync refuses it whole). */
function inflatedPrefixBytes(stream: Buffer, limit: number): number {
  try {
    return inflateSync(stream, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: limit }).byteLength;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return limit;
    return 0;
  }
}
