/**
 * Three-vectors in patient space (DICOM LPS, mm) or direction cosines. The one place the project
 * computes dot and cross products: everything else imports these.
 */

export type Vec3 = readonly [number, number, number];

export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];

export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

export const scale = (a: Vec3, factor: number): Vec3 => [a[0] * factor, a[1] * factor, a[2] * factor];

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** a × b (right-handed): for a row and a column direction, the slice normal. */
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

export const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);

export const distance = (a: Vec3, b: Vec3): number => norm(sub(a, b));

/** Vectors shorter than this have no direction worth trusting. */
export const MIN_DIRECTION_LENGTH = 1e-9;

/** a scaled to unit length, or null when it has (almost) none. */
export function normalize(a: Vec3): Vec3 | null {
  const length = norm(a);
  return length > MIN_DIRECTION_LENGTH && Number.isFinite(length) ? scale(a, 1 / length) : null;
}

/** The first three numbers of a list as a Vec3, or null when there are fewer or one is not finite. */
export function toVec3(values: readonly number[] | null | undefined, offset = 0): Vec3 | null {
  if (!values || values.length < offset + 3) return null;
  const v: Vec3 = [values[offset], values[offset + 1], values[offset + 2]];
  return v.every(Number.isFinite) ? v : null;
}

/** Every component of a and b within `tolerance` of each other. */
export const closeTo = (a: Vec3, b: Vec3, tolerance: number): boolean =>
  Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance && Math.abs(a[2] - b[2]) <= tolerance;
