import type { AssistantImage, PixelDtype } from '../contract/assistant';
import type { PixelData, RawImage } from './preprocess';

/**
 * Builds the `image` argument of the assistant calls from the stored pixels the viewer already has
 * (e.g. cornerstone's `getPixelData()`): the typed array itself, which every transport carries as binary.
 * Pure: works in the renderer.
 */

export const pixelDtypeOf = (data: PixelData): PixelDtype =>
  data instanceof Int16Array ? 'int16' : data instanceof Uint16Array ? 'uint16' : data instanceof Float32Array ? 'float32' : 'uint8';

/** The same fields as a preprocessing input: the stored pixels the viewer has, with CT's rescale. */
export type ImagePayloadInput = RawImage;

/**
 * A view that covers only part of its buffer is copied: structured clone (Electron IPC) sends a view's whole
 * buffer, and a slice of a cached cornerstone volume must not carry the rest of it along.
 */
const ownBuffer = <T extends PixelData>(data: T): T =>
  data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : (data.slice() as T);

export function toAssistantImage(input: ImagePayloadInput): AssistantImage {
  const image: AssistantImage = { kind: input.kind, width: input.width, height: input.height, dtype: pixelDtypeOf(input.data), pixels: ownBuffer(input.data) };
  if (input.kind === 'hu') {
    if (input.slope !== undefined) image.slope = input.slope;
    if (input.intercept !== undefined) image.intercept = input.intercept;
  }
  return image;
}
