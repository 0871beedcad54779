import { metaData, type Types } from '@cornerstonejs/core';
import { prefetchPart10Instance, wadouri } from '@cornerstonejs/dicom-image-loader';
import { EXPLICIT_BE } from '../../../../core/dicom/transfer-syntax';
import { isBigEndian32Grey, loadBigEndian32Grey, parsedFile } from './bigEndian32';
import { loadNativeDeepRgb } from './deepRgb';
import { isNativeDeepRgb, type ColourPixelFormat } from './deepRgbFrame';

/** @cornerstonejs/metadata's NATURALIZED module: the parsed instance, keyed by the image id. */
const NATURALIZED = 'naturalized';

/**
 * An Explicit VR Big Endian image, read before cornerstone decodes it. cornerstone 5.14's big-endian
 * decoder leaves 32-bit samples without pixels, and its worker logs that as an error before the
 * checked loader could read the frame itself. So the file is fetched once (parsedFile), its headers
 * given to cornerstone's metadata as its naturalised loader would (prefetchPart10Instance), and
 * 32-bit grey (bigEndian32.ts) or 16- and 32-bit colour (deepRgb.ts) go straight to our readers;
 * anything else to `cornerstoneLoad`, which finds the instance already read and fetches nothing.
 */
export async function loadBigEndianImage(imageId: string, options: Record<string, unknown>, cornerstoneLoad: () => Promise<Types.IImage>): Promise<Types.IImage> {
  const { url } = wadouri.parseImageId(imageId);
  if (!metaData.get(NATURALIZED, imageId)) {
    const { byteArray } = await parsedFile(url);
    await prefetchPart10Instance(`wadouri:${url}`, byteArray);
  }
  const pixel = metaData.get('imagePixelModule', imageId) as ColourPixelFormat | undefined;
  if (isBigEndian32Grey(EXPLICIT_BE, pixel)) return loadBigEndian32Grey(imageId, options);
  if (isNativeDeepRgb(EXPLICIT_BE, pixel)) return loadNativeDeepRgb(imageId, EXPLICIT_BE);
  return cornerstoneLoad();
}
