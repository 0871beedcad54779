// Masks are drawn by cornerstone into the viewport's own canvas, blended over a greyscale image: a mask
// pixel is one that is tinted (its channels differ), found by its colour in the pixels that are shown.
import type { Locator } from '@playwright/test';

/** Channels that differ by less than this are grey (the image itself; rounding in the blend). */
export const MIN_TINT = 24;

/** Tinted pixels of the viewport canvas, and how many of them are mostly red, green or blue. */
export interface Tint {
  tinted: number;
  red: number;
  green: number;
  blue: number;
}

export function viewportTint(viewport: Locator, minTint = MIN_TINT): Promise<Tint> {
  return viewport.evaluate((element, minTint) => {
    const canvas = element.querySelector('canvas');
    const context = canvas?.getContext('2d');
    if (!canvas || !context) throw new Error('no 2d canvas in the viewport');
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const counts = { tinted: 0, red: 0, green: 0, blue: 0 };
    for (let p = 0; p < data.length; p += 4) {
      const [r, g, b] = [data[p], data[p + 1], data[p + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) < minTint) continue;
      counts.tinted++;
      if (r > g && r > b) counts.red++;
      else if (g > r && g > b) counts.green++;
      else if (b > r && b > g) counts.blue++;
    }
    return counts;
  }, minTint);
}

/** Where the tinted pixels lie, as fractions (0..1) of the displayed image, every `step`-th canvas pixel each way. */
export interface TintedPoints {
  tinted: number;
  points: [number, number][];
}

/**
 * Tinted pixels of the viewport canvas, with points on the image among them: `imageRect` is the viewport's data-image-rect (CSS px from the viewport element's corner).
 */
export function tintedPoints(
  viewport: Locator,
  step: number,
  imageRect: { left: number; top: number; width: number; height: number },
  minTint = MIN_TINT,
): Promise<TintedPoints> {
  return viewport.evaluate(
    (element, { step, rect, minTint }) => {
      const canvas = element.querySelector('canvas');
      const context = canvas?.getContext('2d');
      if (!canvas || !context) throw new Error('no 2d canvas in the viewport');
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const canvasBox = canvas.getBoundingClientRect();
      const viewportBox = element.getBoundingClientRect();
      const cssPerPixelX = canvasBox.width / canvas.width;
      const cssPerPixelY = canvasBox.height / canvas.height;
      let tinted = 0;
      const points: [number, number][] = [];
      for (let y = 0; y < canvas.height; y++) {
        for (let x = 0; x < canvas.width; x++) {
          const o = (y * canvas.width + x) * 4;
          if (Math.max(data[o], data[o + 1], data[o + 2]) - Math.min(data[o], data[o + 1], data[o + 2]) < minTint) continue;
          tinted++;
          if (x % step || y % step) continue;
          const fx = (canvasBox.left + (x + 0.5) * cssPerPixelX - viewportBox.left - rect.left) / rect.width;
          const fy = (canvasBox.top + (y + 0.5) * cssPerPixelY - viewportBox.top - rect.top) / rect.height;
          points.push([fx, fy]);
        }
      }
      return { tinted, points };
    },
    { step, rect: imageRect, minTint },
  );
}
