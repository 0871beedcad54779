/**
 * Inflates a raw deflate stream (Deflated Explicit VR Little Endian, PS3.5 A.5) with a cap on the
 * output: zlib stops at `cap` bytes while inflating (maxOutputLength), so a bomb is never held
 * beyond the cap, and the caller gets a named refusal instead of gigabytes.
 */
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { inflateErrorWords } from './zlib-words';

/** Why a stream could not be inflated: over the cap, or not valid deflate data (`words`). */
export class InflateFailure extends Error {
  constructor(
    readonly words: string,
    readonly overCap: boolean,
  ) {
    super(words);
    this.name = 'InflateFailure';
  }
}

/**
 * `partial`: the input may be the first part of a longer stream (a file read in part); what its
 * bytes hold is returned without complaint that the stream does not end. Throws InflateFailure.
 */
export function inflateRawCapped(input: Uint8Array, cap: number, partial: boolean): Buffer {
  try {
    return inflateRawSync(input, { maxOutputLength: Math.max(1, cap), ...(partial ? { finishFlush: zlibConstants.Z_SYNC_FLUSH } : {}) });
  } catch (e) {
    const overCap = (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new InflateFailure(overCap ? `it inflates to more than ${cap} bytes` : inflateErrorWords(e), overCap);
  }
}
