// Labelmap layers are made from the stack's images' headers, which cornerstone reads only by loading each image.
import { imageLoader, metaData } from '@cornerstonejs/core';

/** Loads concurrently at most this many images (the decoder workers are few; the rest wait). */
const CONCURRENT_LOADS = 6;

/** Loads (or finds cached) every image of the stack; the index of each that failed, with its message. */
export async function loadStackImages(imageIds: readonly string[]): Promise<{ index: number; message: string }[]> {
  const failures: { index: number; message: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < imageIds.length) {
      const index = next++;
      try {
        await imageLoader.loadAndCacheImage(imageIds[index]);
      } catch (e) {
        failures.push({ index, message: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_LOADS, imageIds.length) }, worker));
  return failures.sort((a, b) => a.index - b.index);
}

/** PixelSpacing [between rows, between columns] (mm) of a loaded image, or null when its header has none. */
export function pixelSpacingOf(imageId: string): [number, number] | null {
  const plane = metaData.get('imagePlaneModule', imageId) as { rowPixelSpacing?: number; columnPixelSpacing?: number } | undefined;
  const row = plane?.rowPixelSpacing;
  const column = plane?.columnPixelSpacing;
  return row && column && row > 0 && column > 0 ? [row, column] : null;
}
