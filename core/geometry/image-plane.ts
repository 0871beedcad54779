import { cross, dot, norm, normalize, toVec3, type Vec3 } from './vec3';

/**
 * The plane of one DICOM image in patient space (LPS, mm), from ImageOrientationPatient (0020,0037),
 * ImagePositionPatient (0020,0032) and PixelSpacing (0028,0030).
 *
 * DICOM names the two direction cosines by what they run along: the first triple is the direction of
 * a row (from one column to the next, so column index i grows along it), the second the direction of
 * a column (row index j grows along it). The slice normal is row × column.
 */
export interface ImagePlane {
  /** Unit direction from pixel (i, j) to (i + 1, j): ImageOrientationPatient[0..2]. */
  rowDirection: Vec3;
  /** Unit direction from pixel (i, j) to (i, j + 1): ImageOrientationPatient[3..5]. */
  columnDirection: Vec3;
  /** rowDirection × columnDirection, unit length. */
  normal: Vec3;
  /** Centre of the first transmitted pixel (patient mm), when the image has a position. */
  positionMm: Vec3 | null;
  /** PixelSpacing as DICOM writes it: [between rows (along columnDirection), between columns (along rowDirection)], mm. */
  pixelSpacingMm: readonly [number, number] | null;
}

export type ImagePlaneResult = { ok: true; plane: ImagePlane } | { ok: false; reason: string };

/**
 * How far the cosines may be from unit length and from perpendicular. IOP strings are usually
 * written with 5–6 decimals (errors near 1e-6); 1e-3 (about 0.06°) accepts those and refuses a
 * header that is plainly wrong.
 */
export const ORIENTATION_TOLERANCE = 1e-3;

export interface ImagePlaneInput {
  orientation: readonly number[] | null | undefined;
  positionMm?: readonly number[] | null;
  pixelSpacingMm?: readonly number[] | null;
}

const formatNumbers = (values: readonly number[]): string => values.map((v) => String(v)).join('\\');

/** The image plane, or why the orientation (or position / spacing) cannot describe one. */
export function imagePlane(input: ImagePlaneInput): ImagePlaneResult {
  const { orientation } = input;
  if (!orientation) return { ok: false, reason: 'no ImageOrientationPatient' };
  if (orientation.length !== 6) return { ok: false, reason: `ImageOrientationPatient has ${orientation.length} values, not 6` };
  const row = toVec3(orientation, 0);
  const column = toVec3(orientation, 3);
  if (!row || !column) return { ok: false, reason: `ImageOrientationPatient ${formatNumbers(orientation)} has a value that is not a finite number` };
  for (const [name, v] of [['row', row], ['column', column]] as const) {
    if (Math.abs(norm(v) - 1) > ORIENTATION_TOLERANCE) {
      return { ok: false, reason: `ImageOrientationPatient ${formatNumbers(orientation)}: the ${name} direction has length ${norm(v).toFixed(4)}, not 1` };
    }
  }
  const cosine = dot(row, column);
  if (Math.abs(cosine) > ORIENTATION_TOLERANCE) {
    return { ok: false, reason: `ImageOrientationPatient ${formatNumbers(orientation)}: row and column directions are not perpendicular (cosine ${cosine.toFixed(4)})` };
  }
  // Both are unit and perpendicular within tolerance, so none of these can be null.
  const rowDirection = normalize(row)!;
  const columnDirection = normalize(column)!;
  const normal = normalize(cross(rowDirection, columnDirection))!;

  let positionMm: Vec3 | null = null;
  if (input.positionMm) {
    positionMm = input.positionMm.length === 3 ? toVec3(input.positionMm) : null;
    if (!positionMm) return { ok: false, reason: `ImagePositionPatient ${formatNumbers(input.positionMm)} is not three finite numbers` };
  }
  let pixelSpacingMm: readonly [number, number] | null = null;
  if (input.pixelSpacingMm) {
    const s = input.pixelSpacingMm;
    if (s.length !== 2 || !s.every((v) => Number.isFinite(v) && v > 0)) {
      return { ok: false, reason: `PixelSpacing ${formatNumbers(s)} is not two positive numbers` };
    }
    pixelSpacingMm = [s[0], s[1]];
  }
  return { ok: true, plane: { rowDirection, columnDirection, normal, positionMm, pixelSpacingMm } };
}

/** The unit slice normal (row × column) of an orientation, or null when the orientation is unusable. */
export function sliceNormal(orientation: readonly number[] | null | undefined): Vec3 | null {
  const result = imagePlane({ orientation });
  return result.ok ? result.plane.normal : null;
}

/** Two ImageOrientationPatient values describe the same plane directions: every cosine within `tolerance`. */
export function sameOrientation(a: readonly number[], b: readonly number[], tolerance = 1e-4): boolean {
  return a.length === 6 && b.length === 6 && a.every((v, k) => Math.abs(v - b[k]) <= tolerance);
}

/** Signed distance (mm) of a point from the patient origin along a unit normal: where its slice lies. */
export const distanceAlongNormalMm = (positionMm: Vec3, normal: Vec3): number => dot(positionMm, normal);
