// The image size a compressed frame declares in its own markers, read before any codec runs: a
// codec allocates for the size its stream says, whatever the DICOM header says, so a 16 × 16 file
// whose codestream claims 60,000 × 60,000 is refused here instead of filling the codec's heap.

export interface CodestreamSize {
  width: number;
  height: number;
  components: number;
}

const u16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const u32 = (b: Uint8Array, at: number): number => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];

/** JPEG, JPEG lossless and JPEG-LS: the SOFn (or SOF55) segment's lines, samples per line and components. */
function jpegSize(b: Uint8Array): CodestreamSize | null {
  for (let i = 2; i + 4 <= b.length; ) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = u16(b, i + 2);
    const isFrameHeader = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isFrameHeader) return i + 10 <= b.length ? { height: u16(b, i + 5), width: u16(b, i + 7), components: b[i + 9] } : null;
    if (marker === 0xda || length < 2) return null;
    i += 2 + length;
  }
  return null;
}

/** JPEG 2000 / HTJ2K: the SIZ segment right after SOC (also inside a JP2 file's codestream box). */
function j2kSize(b: Uint8Array): CodestreamSize | null {
  let start = -1;
  // A raw codestream starts with SOC SIZ; a JP2 file holds one in its jp2c box, after a few small boxes.
  for (let i = 0; i + 4 <= Math.min(b.length, 64 * 1024); i++) {
    if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) {
      start = i;
      break;
    }
  }
  if (start < 0 || start + 42 > b.length) return null;
  const siz = start + 4; // Lsiz at siz, Rsiz at siz + 2
  const xsiz = u32(b, siz + 4);
  const ysiz = u32(b, siz + 8);
  const xosiz = u32(b, siz + 12);
  const yosiz = u32(b, siz + 16);
  return { width: xsiz - xosiz, height: ysiz - yosiz, components: u16(b, siz + 36) };
}

/** The size a compressed frame declares, or null where its markers cannot be read (the codec then decides). */
export function codestreamSize(codec: string, encoded: Uint8Array): CodestreamSize | null {
  if (codec === 'JPEG 2000' || codec === 'HTJ2K') return j2kSize(encoded);
  if (encoded[0] === 0xff && encoded[1] === 0xd8) return jpegSize(encoded);
  return null;
}
