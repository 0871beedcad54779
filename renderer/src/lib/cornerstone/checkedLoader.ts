import { Enums, metaData, registerImageLoader, type Types } from '@cornerstonejs/core';
import { wadouri } from '@cornerstonejs/dicom-image-loader';
import { describeImageError, imageFailure, undrawableReason, type ImageFailure, type ImageSource, type PixelFormat } from '../imageFailure';
import type { StackFrame } from '../imageIds';
import { windowForDecodedImage } from '../imageVoi';
import { convertNativeYbr422 } from './nativeColour';
import { isBigEndian32Grey, loadBigEndian32Grey } from './bigEndian32';
import { isNativeDeepRgb } from './deepRgbFrame';
import { isDeepRgbImage, loadNativeDeepRgb } from './deepRgb';
import { loadBigEndianImage } from './bigEndianFirst';
import { loadDeflatedImage } from './deflatedFirst';
import { isRealValuedImage, loadFloatGrey } from './floatPixels';
import { afterDecode, pixelBytesDropped } from './pixelBytes';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from '../../../../core/dicom/transfer-syntax';
import { effectiveVoiFunction } from '../../../../core/imaging/voi';
import { RenderRefusal } from '../../../../core/render/render-refusal';


/** A load that failed for a reason of this one image; cornerstone hands it on to IMAGE_LOAD_ERROR and loadImageToCanvas. */
export class ImageLoadFailure extends Error {
  constructor(readonly failure: ImageFailure) {
    super(failure.detail);
    this.name = 'ImageLoadFailure';
  }
}

/** Where each image id's bytes came from (path, transfer syntax), so a reason can name the file and the codec. */
const sources = new Map<string, ImageSource>();

export function rememberImageSources(frames: readonly StackFrame[]): void {
  for (const f of frames) sources.set(f.imageId, { path: f.instance.path, transferSyntaxUid: f.instance.transferSyntaxUid, frame: f.frame });
}

const sourceOf = (imageId: string): ImageSource => sources.get(imageId) ?? { path: imageId.replace(/^wadouri:/, ''), transferSyntaxUid: '', frame: null };

/** The failure a load ended with: ours as is, anything else (a codec's error, a worker event) put in words. */
export function failureOf(imageId: string, error: unknown): ImageFailure {
  if (error instanceof ImageLoadFailure) return error.failure;
  // Our own readers (deepRgb.ts, bigEndian32.ts, floatPixels.ts) refuse in core/render's words, naming the tag and byte offset.
  if (error instanceof RenderRefusal) return imageFailure(imageId, sourceOf(imageId), error.reason);
  // The loader has read the header by the time the codec fails: its pixel module says what the codec could not take.
  const pixel = metaData.get('imagePixelModule', imageId) as PixelFormat | undefined;
  return imageFailure(imageId, sourceOf(imageId), describeImageError(error, sourceOf(imageId), pixel));
}

type LoadedImage = Types.IImage & { imageFrame?: { photometricInterpretation?: string; bitsAllocated?: number }; preScale?: { scaled?: boolean } };

/**
 * Checks a decoded image before any viewport sees it, and gives it the one VOI choice of
 * core/imaging/voi.ts. cornerstone would otherwise take a header Window Width of 0 as an inverted
 * window, and hand vtk a pixel array that does not fill the image, which throws half-way through
 * the viewport's update and leaves its camera (zoom NaN) and actor broken for the next series.
 */
function checkImage(imageId: string, image: LoadedImage): LoadedImage {
  const photometric = image.imageFrame?.photometricInterpretation ?? (metaData.get('imagePixelModule', imageId) as { photometricInterpretation?: string } | undefined)?.photometricInterpretation;
  convertNativeYbr422(image, photometric, image.imageFrame?.bitsAllocated);
  const reason = undrawableReason({
    rows: image.rows,
    columns: image.columns,
    numberOfComponents: image.numberOfComponents ?? (image.color ? 3 : 1),
    pixelLength: image.getPixelData()?.length ?? 0,
    photometricInterpretation: photometric,
    bitsAllocated: image.imageFrame?.bitsAllocated,
    minPixelValue: image.minPixelValue,
    maxPixelValue: image.maxPixelValue,
    rowPixelSpacing: image.rowPixelSpacing,
    columnPixelSpacing: image.columnPixelSpacing,
  });
  if (reason) throw new ImageLoadFailure(imageFailure(imageId, sourceOf(imageId), reason));
  if (!image.color) {
    const voi = metaData.get('voiLutModule', imageId) as { windowCenter?: unknown; windowWidth?: unknown } | undefined;
    const prescaled = image.preScale?.scaled === true;
    const chosen = windowForDecodedImage({ minPixelValue: image.minPixelValue, maxPixelValue: image.maxPixelValue, slope: image.slope, intercept: image.intercept, prescaled }, voi?.windowCenter, voi?.windowWidth);
    image.windowCenter = chosen.center;
    image.windowWidth = chosen.width;
    // DICOM's LINEAR function is undefined below width 1, and over a range of real values: core/imaging/voi's one rule says which function instead.
    if (effectiveVoiFunction('LINEAR', chosen.width, isRealValuedImage(image) && chosen.source === 'data-range') === 'LINEAR_EXACT') image.voiLUTFunction = Enums.VOILUTFunctionType.LINEAR_EXACT;
  }
  return image;
}

/** The syntaxes whose pixels lie in the file as they are (floatPixels.ts reads real-valued ones from these). */
const NATIVE_NON_DEFLATED = new Set([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE]);

let registered = false;

/** Replaces cornerstone's wadouri loader with one that checks every image and names every failure. Once per page. */
export function registerCheckedLoader(): void {
  if (registered) return;
  registered = true;
  const natural = wadouri.loadImageFromNaturalizedMetadata as unknown as Types.ImageLoaderFn;
  const dataSetLoader = wadouri.loadImage as unknown as Types.ImageLoaderFn;
  // The naturalised-metadata loader reads no deflated data set; the data-set loader inflates it, with its own metadata.
  metaData.addProvider(wadouri.metaData.metaDataProvider as (type: string, ...query: string[]) => unknown, -1000);
  registerImageLoader('wadouri', (imageId, options) => {
    const source = sources.get(imageId);
    // An image decoded before whose pixel bytes the metadata let go (pixelBytes.ts) is read from its file again.
    const again = pixelBytesDropped(imageId);
    const fromNatural = source?.transferSyntaxUid !== DEFLATED_LE && !again;
    // A big-endian file is read first by bigEndianFirst.ts: the encodings cornerstone's decoder cannot take never reach it.
    const inner =
      fromNatural && source?.transferSyntaxUid === EXPLICIT_BE
        ? { promise: loadBigEndianImage(imageId, (options ?? {}) as Record<string, unknown>, () => Promise.resolve(natural(imageId, options).promise)) }
        : fromNatural
          ? natural(imageId, options)
          : source?.transferSyntaxUid === DEFLATED_LE
            ? loadDeflatedImage(imageId, (options ?? {}) as Record<string, unknown>)
            : dataSetLoader(imageId, options);
    /** What the loader asked decoded, to tell it from an image one of the readers below made instead. */
    let decoded: unknown = null;
    return {
      ...inner,
      promise: Promise.resolve(inner.promise)
        .then((image) => (decoded = image))
        .then(
          (image) =>
            // 16- and 32-bit colour that cornerstone did decode is its raw words (or, plane by plane, clamped into bytes): read here instead.
            source && !isDeepRgbImage(image) && isNativeDeepRgb(source.transferSyntaxUid, metaData.get('imagePixelModule', imageId) as PixelFormat | undefined) ? loadNativeDeepRgb(imageId, source.transferSyntaxUid) : image,
          (error: unknown) => {
            // One encoding cornerstone's decoder leaves without pixels is read here instead (see bigEndian32.ts).
            const pixel = metaData.get('imagePixelModule', imageId) as PixelFormat | undefined;
            if (source && isBigEndian32Grey(source.transferSyntaxUid, pixel)) return loadBigEndian32Grey(imageId, (options ?? {}) as Record<string, unknown>);
            // And 32-bit colour, which its big-endian decoder leaves without pixels (deepRgbFrame.ts).
            if (source && isNativeDeepRgb(source.transferSyntaxUid, pixel)) return loadNativeDeepRgb(imageId, source.transferSyntaxUid);
            // So is real-valued pixel data (parametric maps: floatPixels.ts).
            if (source && NATIVE_NON_DEFLATED.has(source.transferSyntaxUid) && /no pixel data in NATURALIZED|no COMPRESSED_FRAME_DATA/i.test(String((error as Error)?.message ?? error))) {
              return loadFloatGrey(imageId).then((image) => {
                if (!image) throw error;
                return image;
              });
            }
            throw error;
          },
        )
        .then((image) => {
          // cornerstone's own Float Pixel Data decode keeps NaN and infinities, which leave the image's range not a
          // number: such a file is read by floatPixels.ts instead (null: not real-valued, the check below says why).
          const { minPixelValue, maxPixelValue } = image as LoadedImage;
          if (source && NATIVE_NON_DEFLATED.has(source.transferSyntaxUid) && !(Number.isFinite(minPixelValue) && Number.isFinite(maxPixelValue))) {
            return loadFloatGrey(imageId).then((real) => real ?? image);
          }
          return image;
        })
        .then(
          (image) => afterDecode(imageId, checkImage(imageId, image as LoadedImage), { byNaturalLoader: fromNatural && image === decoded, fileReadAgain: again }),
          (error: unknown) => {
            throw error instanceof ImageLoadFailure ? error : new ImageLoadFailure(failureOf(imageId, error));
          },
        ),
    };
  });
}
