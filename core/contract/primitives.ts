// Shared primitives of the contract: one definition each, used by every domain's calls.
import { z } from 'zod';

/** Prefix of the stand-in study/series keys the indexer makes where the files' UIDs are blank or not UIDs. */
export const DERIVED_KEY_PREFIX = 'derived:';

const DICOM_UID = /^[0-9]+(?:\.[0-9]+)*$/;
const DERIVED_KEY = /^derived:[0-9a-f]{24}$/;

/** A DICOM UID (PS3.5 9.1): digits and dots, at most 64 characters. */
export const isDicomUid = (value: string): boolean => value.length <= 64 && DICOM_UID.test(value);

/** True for a string the indexer can hand out as a study or series key. */
export const isSeriesKey = (value: string): boolean => isDicomUid(value) || DERIVED_KEY.test(value);

/**
 * A series (or study) key: the DICOM UID (digits and dots, at most 64 characters), or `derived:<24 hex>`
 * for anonymised data. Every key the indexer produces passes; nothing else (no paths, no markup).
 */
export const seriesKeySchema = z.string().refine(isSeriesKey, 'is not a series key (a DICOM UID or derived:<24 hex digits>)');
export type SeriesKey = z.infer<typeof seriesKeySchema>;

/** Job ids the job runners hand out: a tight pattern so an id can never smuggle a path. */
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a job id');
export type JobId = z.infer<typeof jobIdSchema>;

/** A filesystem path from the user (dialog, path field, drop, CLI argument); grants are checked by the services. */
export const pathSchema = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');
export type Path = z.infer<typeof pathSchema>;

/**
 * The typed arrays the contract carries as binary: as they are over Electron IPC (structured clone),
 * in binary frames over the socket (core/transport/frame.ts), never as base64. The frame header names them by these keys.
 */
export const typedArrayTypes = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
export type TypedArrayType = keyof typeof typedArrayTypes;
/** Over any buffer (not only ArrayBuffer), so views the services already hold fit as they are. */
interface TypedArrayInstances {
  Uint8Array: Uint8Array;
  Int8Array: Int8Array;
  Uint16Array: Uint16Array;
  Int16Array: Int16Array;
  Uint32Array: Uint32Array;
  Int32Array: Int32Array;
  Float32Array: Float32Array;
  Float64Array: Float64Array;
}
export type TypedArrayOf<T extends TypedArrayType> = TypedArrayInstances[T];
export type TypedArray = TypedArrayOf<TypedArrayType>;

/** The key of typedArrayTypes a value is an instance of (a Node Buffer counts as a Uint8Array), or null. */
export function typedArrayTypeOf(value: unknown): TypedArrayType | null {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return null;
  for (const type of Object.keys(typedArrayTypes) as TypedArrayType[]) {
    if (value instanceof typedArrayTypes[type]) return type;
  }
  return null;
}

/** A typed array of one of the given types, e.g. `typedArraySchema('Uint8Array')` for a mask. */
export const typedArraySchema = <T extends TypedArrayType>(...types: [T, ...T[]]) =>
  z.custom<TypedArrayOf<T>>((value) => {
    const type = typedArrayTypeOf(value);
    return type !== null && (types as TypedArrayType[]).includes(type);
  }, `is not a ${types.join(' or ')}`);
