import type { AssistantImage, PixelDtype } from '../contract/assistant';
import type { ImageKind, PixelData } from './preprocess';

/**
 * Builds the `image` argument of the assistant calls from the stored pixels the viewer already has
 * (e.g. cornerstone's `getPixelData()`): base64 of the raw little-endian bytes. Pure: works in the renderer.
 */

export const pixelDtypeOf = (data: PixelData): PixelDtype =>
  data instanceof Int16Array ? 'int16' : data instanceof Uint16Array ? 'uint16' : data instanceof Float32Array ? 'float32' : 'uint8';

/** base64 of a typed array's bytes, in chunks (String.fromCharCode with huge argument lists overflows the stack). */
export function bytesToBase64(data: PixelData): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const CHUNK = 0x8000;
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

export interface ImagePayloadInput {
  kind: ImageKind;
  width: number;
  height: number;
  data: PixelData;
  /** CT only: RescaleSlope / RescaleIntercept of the stored values. */
  slope?: number;
  intercept?: number;
}

export function toAssistantImage(input: ImagePayloadInput): AssistantImage {
  const image: AssistantImage = { kind: input.kind, width: input.width, height: input.height, dtype: pixelDtypeOf(input.data), pixels: bytesToBase64(input.data) };
  if (input.kind === 'hu') {
    if (input.slope !== undefined) image.slope = input.slope;
    if (input.intercept !== undefined) image.intercept = input.intercept;
  }
  return image;
}

/** The segmentation mask of `assistant.segment` (base64 of 0/1 bytes) as a Uint8Array. */
export function maskFromBase64(mask: string): Uint8Array {
  const binary = atob(mask);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
