import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from './errors';
import { referenceManifestSchema, type ReferenceManifest, type ReferenceTensor } from './schemas';

export type ReferenceArray = Float32Array | BigInt64Array | Uint8Array | Int16Array | Uint16Array;

const BYTES: Record<ReferenceTensor['dtype'], number> = { float32: 4, int64: 8, uint8: 1, int16: 2, uint16: 2 };

/** Reads `reference/manifest.json` of a model folder (parity data written by the PyTorch exporter). */
export function readReferenceManifest(modelDir: string): ReferenceManifest {
  const file = path.join('reference', 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.join(modelDir, file), 'utf8'));
  } catch (e) {
    throw new ModelLoadError(modelDir, file, e instanceof Error ? e.message : String(e));
  }
  const parsed = referenceManifestSchema.safeParse(json);
  if (!parsed.success) throw new ModelLoadError(modelDir, file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** One raw little-endian tensor of reference/, checked against its declared shape. */
export function readReferenceTensor(modelDir: string, spec: ReferenceTensor): ReferenceArray {
  const file = path.join('reference', spec.file);
  const bytes = readFileSync(path.join(modelDir, file));
  const count = spec.shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== count * BYTES[spec.dtype]) {
    throw new ModelLoadError(modelDir, file, `has ${bytes.byteLength} bytes, expected ${count} ${spec.dtype} values for shape [${spec.shape.join(', ')}]`);
  }
  // Copy into an aligned buffer (Buffer slices may start at any offset); the files are little-endian like every host we run on.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (spec.dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'uint8':
      return new Uint8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'uint16':
      return new Uint16Array(buffer);
  }
}
