// A stack of parallel images (a series in canonical order, or one image) as one regular voxel grid in patient space.
import { imagePlane } from './image-plane';
import { stackStep, volumeGeometry, type VolumeGeometry } from './patient-space';
import type { Vec3 } from './vec3';

export interface StackPlacement {
  /** ImageOrientationPatient of the first image (all are parallel in a stack). */
  orientation: readonly number[] | null | undefined;
  /** ImagePositionPatient of the first and the last image in canonical order. */
  firstPositionMm: Vec3 | null;
  lastPositionMm: Vec3 | null;
  sliceCount: number;
  /** PixelSpacing as DICOM writes it: [between rows, between columns] (mm); 1 × 1 when unknown. */
  pixelSpacingMm: readonly [number, number] | null;
  /** The step between slices when it cannot be measured (one slice; first and last at one point): e.g. SliceThickness; 1 mm when absent. */
  fallbackSliceStepMm?: number | null;
}

/**
 * ijk ↔ patient mm for a stack: i along the row direction, j along the column direction, k from the first
 * image towards the last (the slice normal for a single image), spaced evenly between them — a gantry-tilted
 * stack stays sheared. The reason in words when the images carry no usable plane or position.
 */
export function stackVolumeGeometry(stack: StackPlacement): { ok: true; geometry: VolumeGeometry } | { ok: false; reason: string } {
  const plane = imagePlane({ orientation: stack.orientation });
  if (!plane.ok) return { ok: false, reason: plane.reason };
  if (!stack.firstPositionMm) return { ok: false, reason: 'no ImagePositionPatient' };
  const step = stack.lastPositionMm ? stackStep(stack.firstPositionMm, stack.lastPositionMm, stack.sliceCount) : null;
  const fallbackStepMm = stack.fallbackSliceStepMm && stack.fallbackSliceStepMm > 0 ? stack.fallbackSliceStepMm : 1;
  const rowStepMm = stack.pixelSpacingMm?.[0] ?? 1;
  const columnStepMm = stack.pixelSpacingMm?.[1] ?? 1;
  return volumeGeometry({
    originMm: stack.firstPositionMm,
    rowDirection: plane.plane.rowDirection,
    columnDirection: plane.plane.columnDirection,
    sliceDirection: step?.direction ?? plane.plane.normal,
    spacingMm: [columnStepMm, rowStepMm, step && step.stepMm > 0 ? step.stepMm : fallbackStepMm],
  });
}
