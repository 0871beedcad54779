/** A segmentation mask painted in one colour on the image's pixel grid, and its size. */
export interface PaintedMask {
  rgba: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
  /** Pixels inside the mask. */
  pixelCount: number;
}

export const MASK_COLOUR: readonly [number, number, number] = [255, 196, 0];

/** Paints every non-zero mask byte opaque in `colour` (opacity is applied when drawn); others stay clear. */
export function paintMask(mask: Uint8Array, width: number, height: number, colour: readonly [number, number, number] = MASK_COLOUR): PaintedMask {
  if (mask.length !== width * height) throw new Error(`the mask has ${mask.length} bytes but a ${width}×${height} image has ${width * height} pixels`);
  const rgba = new Uint8ClampedArray(width * height * 4);
  let pixelCount = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) continue;
    pixelCount++;
    rgba[p * 4] = colour[0];
    rgba[p * 4 + 1] = colour[1];
    rgba[p * 4 + 2] = colour[2];
    rgba[p * 4 + 3] = 255;
  }
  return { rgba, width, height, pixelCount };
}

/** Area in cm² from a pixel count and the row/column spacing in mm; null when the spacing is unknown. */
export function maskAreaCm2(pixelCount: number, rowSpacingMm: number | null, columnSpacingMm: number | null): number | null {
  const valid = (mm: number | null): mm is number => mm !== null && Number.isFinite(mm) && mm > 0;
  if (!valid(rowSpacingMm) || !valid(columnSpacingMm)) return null;
  return (pixelCount * rowSpacingMm * columnSpacingMm) / 100;
}
