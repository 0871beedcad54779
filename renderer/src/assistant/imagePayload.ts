import type { AssistantImage } from '../../../core/contract/assistant';
import { toAssistantImage } from '../../../core/model/image-payload';
import type { PixelData } from '../../../core/model/preprocess';

/** Any typed array cornerstone may hold pixels in. */
export type StoredPixels =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** What the assistant needs to know about the image on screen (a subset of cornerstone's IImage). */
export interface DisplayedImage {
  width: number;
  height: number;
  pixels: StoredPixels;
  /** 1 for grayscale, 3 (RGB) or 4 (RGBA) for colour. */
  numberOfComponents: number;
  modality: string;
  /** cornerstone already applied the modality LUT (the pixels are HU for CT). */
  prescaled: boolean;
  slope: number;
  intercept: number;
  /** MONOCHROME1: low values are white. */
  invert: boolean;
}

const isPayloadArray = (pixels: StoredPixels): pixels is PixelData =>
  pixels instanceof Int16Array || pixels instanceof Uint16Array || pixels instanceof Float32Array || pixels instanceof Uint8Array;

/**
 * The `image` argument of the assistant calls for the displayed slice: CT as stored values with their
 * rescale (`hu`), colour as `rgb8` (alpha dropped), other grayscale as `gray8` (8-bit values as they are,
 * wider values stretched from their min to their max). Throws with the reason when the pixels do not fit.
 */
export function assistantImageOf(image: DisplayedImage): AssistantImage {
  const { width, height, pixels, numberOfComponents } = image;
  const pixelCount = width * height;
  if (pixels.length < pixelCount * numberOfComponents) {
    throw new Error(`the image holds ${pixels.length} values but ${width}×${height}×${numberOfComponents} are needed`);
  }
  if (numberOfComponents >= 3) return toAssistantImage({ kind: 'rgb8', width, height, data: rgbOf(pixels, pixelCount, numberOfComponents) });
  if (numberOfComponents !== 1) throw new Error(`images with ${numberOfComponents} samples per pixel are not supported`);

  const gray = pixels.length === pixelCount ? pixels : pixels.subarray(0, pixelCount);
  if (image.modality.toUpperCase() === 'CT') {
    // Prescaled pixels are HU already, so the rescale must not be applied twice.
    const slope = image.prescaled ? 1 : image.slope;
    const intercept = image.prescaled ? 0 : image.intercept;
    const data = isPayloadArray(gray) ? gray : Float32Array.from(gray);
    return toAssistantImage({ kind: 'hu', width, height, data, slope, intercept });
  }
  return toAssistantImage({ kind: 'gray8', width, height, data: gray8Of(gray, image.invert) });
}

function rgbOf(pixels: StoredPixels, pixelCount: number, components: number): Uint8Array {
  const rgb = new Uint8Array(pixelCount * 3);
  for (let p = 0; p < pixelCount; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.min(255, Math.max(0, pixels[p * components + c]));
  }
  return rgb;
}

/** 8-bit values are kept; anything wider is stretched linearly from its minimum to its maximum. */
function gray8Of(gray: StoredPixels, invert: boolean): Uint8Array {
  const out = new Uint8Array(gray.length);
  const eightBit = gray instanceof Uint8Array || gray instanceof Uint8ClampedArray;
  let low = 0;
  let scale = 1;
  if (!eightBit) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < gray.length; i++) {
      if (gray[i] < min) min = gray[i];
      if (gray[i] > max) max = gray[i];
    }
    low = min;
    scale = max > min ? 255 / (max - min) : 0;
  }
  for (let i = 0; i < gray.length; i++) {
    const value = Math.round((gray[i] - low) * scale);
    out[i] = invert ? 255 - value : value;
  }
  return out;
}
