// Which plane a viewport shows, for tools that draw on it: the stack shows slices k of the series; a volume
// view (axial, sagittal, coronal, or oblique) shows its camera's plane through the volume.
import { Enums, type Types } from '@cornerstonejs/core';
import { planeNormalToIjk, type VolumeGeometry } from '../../../core/geometry/patient-space';
import type { Ijk } from '../../../core/annotations/edit/types';

/** Whether a viewport is one of the volume views (they show any plane), not the stack (slices k only). */
export const isVolumeView = (viewport: Types.IViewport): boolean => viewport.type !== Enums.ViewportType.STACK;

/** The stack's own slice plane, in ijk axes. */
export const STACK_PLANE_NORMAL: Ijk = [0, 0, 1];

/** The plane a viewport shows as a normal in the grid's ijk axes (the brush kernels take it so). */
export function viewPlaneNormalIjk(viewport: Types.IViewport, geometry: VolumeGeometry | null): Ijk | null {
  if (!isVolumeView(viewport)) return STACK_PLANE_NORMAL;
  const normal = viewport.getCamera().viewPlaneNormal;
  if (!geometry || !normal) return null;
  const [i, j, k] = planeNormalToIjk(geometry, [normal[0], normal[1], normal[2]]);
  return [i, j, k];
}

/** A camera normal this close (relative) to k is the slice plane: float noise of a reset camera, not an oblique view. */
const SLICE_PLANE_TOLERANCE = 1e-6;

/** Whether a plane (normal in ijk) is the stack's slice plane: the one-slice tools (threshold, grow, contour) need it. */
export const isSlicePlane = (normalIjk: Ijk): boolean => Math.hypot(normalIjk[0], normalIjk[1]) <= SLICE_PLANE_TOLERANCE * Math.abs(normalIjk[2]);
