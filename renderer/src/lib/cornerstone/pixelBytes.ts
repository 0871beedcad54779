// The file's pixel bytes that cornerstone's naturalised loader keeps in its metadata after decoding. Each parsed
// instance stays in the metadata cache for the session (its headers are read for every view), and with it the
// encoded Pixel Data: 512 KiB a CT slice, 250 MiB for a 500-slice series, beside the decoded pixels in the image
// cache. Once a single-frame image is decoded its bytes are let go; the headers stay. Should cornerstone ask for the
// image again (its cache evicted it, or a volume loads it), it is decoded from a fresh read of the file instead.
import { metaData } from '@cornerstonejs/core';
import { wadouri } from '@cornerstonejs/dicom-image-loader';
import type { Types } from '@cornerstonejs/core';

/** @cornerstonejs/metadata's NATURALIZED module: the parsed instance, keyed by the image id. */
const NATURALIZED = 'naturalized';

/** Image ids whose instance no longer holds its pixel bytes. */
const dropped = new Set<string>();

/** Whether the metadata holds no pixel bytes for this image any more (decode it from a fresh read of the file). */
export const pixelBytesDropped = (imageId: string): boolean => dropped.has(imageId);

/**
 * Lets go of a decoded single-frame image's Pixel Data in its parsed instance. A multi-frame instance keeps them:
 * its other frames decode from the same bytes.
 */
export function dropPixelBytes(imageId: string): void {
  const natural = metaData.get(NATURALIZED, imageId) as Record<string, unknown> | undefined;
  if (!natural || Number(natural.NumberOfFrames ?? 1) !== 1) return;
  const frames = natural.PixelData;
  if (!Array.isArray(frames) || frames.length === 0) return;
  // Emptied in place: every copy of the instance the metadata cache made shares this array.
  frames.length = 0;
  dropped.add(imageId);
}

/**
 * After a decode from a fresh read of the file (the data-set loader): that loader keeps the parsed file in its own
 * cache and on the image; neither is read again, so both go.
 */
function releaseFileRead(imageId: string, image: Types.IImage): void {
  wadouri.dataSetCacheManager.unload(wadouri.parseImageId(imageId).url);
  delete (image as { data?: unknown }).data;
}

/**
 * What follows a checked decode: the naturalised loader's own image lets its instance's pixel bytes go; an image
 * read from its file again lets that read go. Returns the image.
 */
export function afterDecode<T extends Types.IImage>(imageId: string, image: T, how: { byNaturalLoader: boolean; fileReadAgain: boolean }): T {
  if (how.byNaturalLoader) dropPixelBytes(imageId);
  if (how.fileReadAgain) releaseFileRead(imageId, image);
  return image;
}
