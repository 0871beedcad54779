/**
 * Base64 of raw bytes with the web platform's atob/btoa only (no Node Buffer), so the renderer and
 * core/ share one copy. Typed arrays travel as their bytes in platform order (little-endian everywhere we run).
 */

/** base64 of a typed array's bytes, in chunks (String.fromCharCode with huge argument lists overflows the stack). */
export function bytesToBase64(data: ArrayBufferView): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const CHUNK = 0x8000;
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** Decodes base64 into a fresh byte array (its buffer starts at 0, so any typed array can view it aligned). */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
