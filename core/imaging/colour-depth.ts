// The one definition of how a colour sample deeper than 8 bits is shown on an 8-bit display: the
// viewer (renderer/src/lib/cornerstone/deepRgb.ts) and `vesalius render` (core/render/colour.ts) both
// call this, so a 16- or 32-bit RGB image shows the same on screen and in an exported PNG.
//
// PS3.3 C.7.6.3.1.2: for RGB (and YBR_FULL) each sample is an intensity, 0 the least and
// 2^BitsStored − 1 the greatest. Colour images have no VOI: there is no window, so the range the
// samples can take is the range shown — scaled linearly by Bits Stored, never stretched to the range
// the data happens to use (a dark image stays dark, as the modality that wrote it meant).

/** The greatest value a sample of `bits` bits holds (2^bits − 1; bits 1 … 32). */
export const greatestSample = (bits: number): number => 2 ** bits - 1;

/**
 * A sample 0 … `greatest` → 0 … 255, rounded to the nearest (half up); values outside the range
 * (a YBR conversion overshooting, a wrong header) are clamped to its ends.
 */
export function sampleTo8Bits(value: number, greatest: number): number {
  return Math.round((Math.min(Math.max(value, 0), greatest) * 255) / greatest);
}
