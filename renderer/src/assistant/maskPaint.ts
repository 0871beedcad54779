/** The assistant's segmentation mask on the image's pixel grid (0/1 per pixel), and its size. */
export interface PaintedMask {
  /** 1 inside the mask, 0 outside (width × height, rows top to bottom). */
  mask: Uint8Array;
  width: number;
  height: number;
  /** Pixels inside the mask. */
  pixelCount: number;
}

/** Keeps the answer's mask as 0/1 bytes (any non-zero byte is inside) and counts its pixels. */
export function paintMask(mask: Uint8Array, width: number, height: number): PaintedMask {
  if (mask.length !== width * height) throw new Error(`the mask has ${mask.length} bytes but a ${width}×${height} image has ${width * height} pixels`);
  const inside = new Uint8Array(mask.length);
  let pixelCount = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) continue;
    inside[p] = 1;
    pixelCount++;
  }
  return { mask: inside, width, height, pixelCount };
}

/** Area in cm² from a pixel count and the row/column spacing in mm; null when the spacing is unknown. */
export function maskAreaCm2(pixelCount: number, rowSpacingMm: number | null, columnSpacingMm: number | null): number | null {
  const valid = (mm: number | null): mm is number => mm !== null && Number.isFinite(mm) && mm > 0;
  if (!valid(rowSpacingMm) || !valid(columnSpacingMm)) return null;
  return (pixelCount * rowSpacingMm * columnSpacingMm) / 100;
}
