import { add, cross, dot, norm, normalize, scale, sub, type Vec3 } from './vec3';

/**
 * Voxel index (ijk, continuous: integer values are voxel centres) ↔ patient space (DICOM LPS, mm) for
 * a volume on a regular grid: worldPos = origin + i·Δi·rowDirection + j·Δj·columnDirection + k·Δk·sliceDirection
 * (DICOM PS3.3 C.7.6.2.1.1, extended along the stack). The three directions need not be perpendicular
 * (a gantry-tilted stack is sheared), only independent.
 */
export interface VolumeGeometryInput {
  /** Patient position of the centre of voxel (0, 0, 0): the first image's ImagePositionPatient. */
  originMm: Vec3;
  /** Direction in which i (the column index) grows: ImageOrientationPatient[0..2]. */
  rowDirection: Vec3;
  /** Direction in which j (the row index) grows: ImageOrientationPatient[3..5]. */
  columnDirection: Vec3;
  /** Direction in which k (the slice index in canonical order) grows. */
  sliceDirection: Vec3;
  /** Voxel size along i, j, k (mm): [PixelSpacing[1], PixelSpacing[0], slice step]. */
  spacingMm: Vec3;
}

export interface VolumeGeometry extends VolumeGeometryInput {
  /** Columns: the patient-space step (mm) of one voxel along i, j and k. */
  readonly stepMm: readonly [Vec3, Vec3, Vec3];
  /** Rows of the inverse of the step matrix: ijk = rows · (worldPos − origin). */
  readonly inverseRows: readonly [Vec3, Vec3, Vec3];
}

export type VolumeGeometryResult = { ok: true; geometry: VolumeGeometry } | { ok: false; reason: string };

/** Below this |det| of the unit directions, the axes are (nearly) coplanar and ijk cannot be recovered. */
const MIN_AXIS_VOLUME = 1e-6;

/** A volume's geometry with its inverse prepared, or why these axes and spacings cannot make one. */
export function volumeGeometry(input: VolumeGeometryInput): VolumeGeometryResult {
  if (![...input.originMm, ...input.rowDirection, ...input.columnDirection, ...input.sliceDirection].every(Number.isFinite)) {
    return { ok: false, reason: 'the origin or a direction has a value that is not a finite number' };
  }
  if (!input.spacingMm.every((v) => Number.isFinite(v) && v > 0)) {
    return { ok: false, reason: `voxel spacing ${input.spacingMm.join(' × ')} mm is not three positive numbers` };
  }
  const names = ['row', 'column', 'slice'] as const;
  const directions = [input.rowDirection, input.columnDirection, input.sliceDirection].map(normalize);
  const missing = directions.findIndex((d) => d === null);
  if (missing >= 0) return { ok: false, reason: `the ${names[missing]} direction has no length` };
  const [u, v, w] = directions as [Vec3, Vec3, Vec3];
  if (Math.abs(dot(u, cross(v, w))) < MIN_AXIS_VOLUME) return { ok: false, reason: 'the row, column and slice directions lie in one plane' };

  const stepMm: [Vec3, Vec3, Vec3] = [scale(u, input.spacingMm[0]), scale(v, input.spacingMm[1]), scale(w, input.spacingMm[2])];
  // Inverse of the matrix with columns a, b, c: rows (b × c, c × a, a × b) / (a · (b × c)).
  const [a, b, c] = stepMm;
  const det = dot(a, cross(b, c));
  const inverseRows: [Vec3, Vec3, Vec3] = [scale(cross(b, c), 1 / det), scale(cross(c, a), 1 / det), scale(cross(a, b), 1 / det)];
  return {
    ok: true,
    geometry: { originMm: input.originMm, rowDirection: u, columnDirection: v, sliceDirection: w, spacingMm: input.spacingMm, stepMm, inverseRows },
  };
}

/** Patient (LPS) position in mm of a voxel index. */
export function ijkToWorld(geometry: VolumeGeometry, ijk: Vec3): Vec3 {
  const [a, b, c] = geometry.stepMm;
  return add(geometry.originMm, add(add(scale(a, ijk[0]), scale(b, ijk[1])), scale(c, ijk[2])));
}

/** Continuous voxel index of a patient (LPS) position in mm; round it for the voxel that contains it. */
export function worldToIjk(geometry: VolumeGeometry, worldPos: Vec3): Vec3 {
  const offsetMm = sub(worldPos, geometry.originMm);
  const [r0, r1, r2] = geometry.inverseRows;
  return [dot(r0, offsetMm), dot(r1, offsetMm), dot(r2, offsetMm)];
}

/**
 * A plane's normal given in patient space (mm) as the normal of the same plane in voxel-index axes:
 * n·(x − x0) = 0 with x = origin + S·ijk is (Sᵀn)·(ijk − ijk0) = 0, S the step matrix. Not worldToIjk of the
 * direction, which differs once voxels are anisotropic or the grid is sheared.
 */
export function planeNormalToIjk(geometry: VolumeGeometry, normalMm: Vec3): Vec3 {
  const [a, b, c] = geometry.stepMm;
  return [dot(a, normalMm), dot(b, normalMm), dot(c, normalMm)];
}

/**
 * The direction and step (mm) from the first to the last of `sliceCount` evenly spaced slices, or
 * null when there is one slice or both lie at one point.
 */
export function stackStep(firstPositionMm: Vec3, lastPositionMm: Vec3, sliceCount: number): { direction: Vec3; stepMm: number } | null {
  if (sliceCount < 2) return null;
  const span = sub(lastPositionMm, firstPositionMm);
  const direction = normalize(span);
  return direction ? { direction, stepMm: norm(span) / (sliceCount - 1) } : null;
}
