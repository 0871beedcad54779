// One slice as the store keeps it: bit-packed, deflated, addressed by the SHA-256 of its packed bits.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** zlib level 1: on sparse binary slices it compresses within a few percent of level 6 at a fraction of the time (bench/store.bench.ts). */
export const DEFLATE_LEVEL = 1;

export const sliceHash = (packed: Uint8Array): string => createHash('sha256').update(packed).digest('hex');

export const deflateSlice = (packed: Uint8Array): Buffer => deflateRawSync(packed, { level: DEFLATE_LEVEL });

/** Inflates a stored slice and checks it has the size the version's shape needs. */
export function inflateSlice(deflated: Uint8Array, packedBytes: number, where: string): Uint8Array {
  const packed = inflateRawSync(deflated);
  if (packed.length !== packedBytes) throw new Error(`${where}: stored slice has ${packed.length} packed bytes, the shape needs ${packedBytes}`);
  return packed;
}
