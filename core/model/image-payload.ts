import type { AssistantImage, PixelDtype } from '../contract/assistant';
import { base64ToBytes, bytesToBase64 } from '../encoding/base64';
import type { PixelData, RawImage } from './preprocess';

/**
 * Builds the `image` argument of the assistant calls from the stored pixels the viewer already has
 * (e.g. cornerstone's `getPixelData()`): base64 of the raw little-endian bytes. Pure: works in the renderer.
 */

export const pixelDtypeOf = (data: PixelData): PixelDtype =>
  data instanceof Int16Array ? 'int16' : data instanceof Uint16Array ? 'uint16' : data instanceof Float32Array ? 'float32' : 'uint8';

export { bytesToBase64 };

/** The same fields as a preprocessing input: the stored pixels the viewer has, with CT's rescale. */
export type ImagePayloadInput = RawImage;

export function toAssistantImage(input: ImagePayloadInput): AssistantImage {
  const image: AssistantImage = { kind: input.kind, width: input.width, height: input.height, dtype: pixelDtypeOf(input.data), pixels: bytesToBase64(input.data) };
  if (input.kind === 'hu') {
    if (input.slope !== undefined) image.slope = input.slope;
    if (input.intercept !== undefined) image.intercept = input.intercept;
  }
  return image;
}

/** The segmentation mask of `assistant.segment` (base64 of 0/1 bytes) as a Uint8Array. */
export const maskFromBase64 = (mask: string): Uint8Array => base64ToBytes(mask);
