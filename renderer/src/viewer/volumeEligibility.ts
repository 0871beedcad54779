// Whether the open series' frames (in canonical order) form one regular volume the MPR views can reslice.
// cornerstone's wadouri volume reads the geometry of only the first and middle images and assumes the
// rest follow; every slice is checked here instead, so a series that cannot form a volume gets a reason.
import { imagePlane, sameOrientation } from '../../../core/geometry/image-plane';
import { dot, norm, scale, sub, toVec3, type Vec3 } from '../../../core/geometry/vec3';
import { formatBytes } from '../../../core/fs/size-text';

/** One slice as the volume needs it: the image's grid size and plane. */
export interface SliceGeometry {
  /** Names the slice in a reason (a file name, "frame 3 of …"). */
  name: string;
  rows: number;
  columns: number;
  imageOrientationPatient: readonly number[] | null;
  imagePositionPatient: readonly number[] | null;
}

export interface VolumeShape {
  /** [columns, rows, slices]: i along rows of the image, j down its columns, k along the canonical order. */
  dimensions: [number, number, number];
  /** Distance between neighbouring slices along the slice normal (mm). */
  sliceStepMm: number;
}

export type VolumeEligibility = { ok: true; shape: VolumeShape } | { ok: false; reason: string };

/** Fewer slices than this make no sagittal or coronal image worth showing. */
export const MIN_VOLUME_SLICES = 3;

/** Two bytes a voxel (Int16, the type CT takes) up to this size; beyond it the views are refused, not the tab crashed. */
export const MAX_VOLUME_BYTES = 2 * 1024 ** 3;
const BYTES_PER_VOXEL = 2;

/** Steps may differ by this fraction of the mean step, plus the rounding a DS value carries. */
const STEP_RELATIVE_TOLERANCE = 0.01;
const STEP_ABSOLUTE_TOLERANCE_MM = 0.01;

/** tan of the largest sideways drift (gantry tilt) per mm along the normal that still counts as a straight stack (0.5°). */
const MAX_TILT_TANGENT = Math.tan((0.5 * Math.PI) / 180);
const TILT_ABSOLUTE_TOLERANCE_MM = 0.01;

const mm = (value: number): string => `${Number(value.toFixed(3))} mm`;

/**
 * The volume the slices form, or why they form none: too few slices, differing sizes, a slice without
 * orientation or position, orientations that differ, slices not in position order or at one position,
 * uneven spacing, or a stack that drifts sideways (gantry tilt), which cornerstone would draw unsheared.
 */
export function volumeEligibility(slices: readonly SliceGeometry[]): VolumeEligibility {
  if (slices.length < MIN_VOLUME_SLICES) {
    return { ok: false, reason: `a volume needs at least ${MIN_VOLUME_SLICES} slices, and this series has ${slices.length === 1 ? 'one image' : `${slices.length} images`}` };
  }
  const first = slices[0];
  const odd = slices.find((s) => s.rows !== first.rows || s.columns !== first.columns);
  if (odd) return { ok: false, reason: `its images differ in size (${first.name} is ${first.columns}×${first.rows}, ${odd.name} ${odd.columns}×${odd.rows})` };

  const plane = imagePlane({ orientation: first.imageOrientationPatient });
  if (!plane.ok) return { ok: false, reason: `${first.name}: ${plane.reason}` };
  const normal = plane.plane.normal;
  const positions: Vec3[] = [];
  for (const slice of slices) {
    if (!slice.imageOrientationPatient || !sameOrientation(slice.imageOrientationPatient, first.imageOrientationPatient!, 1e-3)) {
      return { ok: false, reason: `its images are not all in one orientation (${slice.name} differs from ${first.name})` };
    }
    const position = toVec3(slice.imagePositionPatient);
    if (!position || slice.imagePositionPatient?.length !== 3) return { ok: false, reason: `${slice.name} has no ImagePositionPatient, so its place in the volume is unknown` };
    positions.push(position);
  }

  const steps = positions.slice(1).map((p, k) => dot(sub(p, positions[k]), normal));
  const atOnePlace = steps.findIndex((step) => Math.abs(step) <= STEP_ABSOLUTE_TOLERANCE_MM);
  if (atOnePlace >= 0) return { ok: false, reason: `${slices[atOnePlace].name} and ${slices[atOnePlace + 1].name} lie at the same position, so they are not slices of one volume` };
  const backwards = steps.findIndex((step) => step < 0);
  if (backwards >= 0) return { ok: false, reason: `its images are not in position order (${slices[backwards + 1].name} lies before ${slices[backwards].name})` };
  // The usual step is the median one, so the slice that breaks the rhythm is the one named.
  const usualStepMm = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)];
  const tolerance = STEP_ABSOLUTE_TOLERANCE_MM + STEP_RELATIVE_TOLERANCE * usualStepMm;
  const uneven = steps.findIndex((step) => Math.abs(step - usualStepMm) > tolerance);
  if (uneven >= 0) {
    return { ok: false, reason: `its slice spacing is uneven (${mm(steps[uneven])} between ${slices[uneven].name} and ${slices[uneven + 1].name}, ${mm(usualStepMm)} elsewhere)` };
  }
  const meanStepMm = dot(sub(positions[positions.length - 1], positions[0]), normal) / steps.length;

  for (let k = 1; k < positions.length; k++) {
    const offset = sub(positions[k], positions[0]);
    const along = dot(offset, normal);
    const sideways = norm(sub(offset, scale(normal, along)));
    if (sideways > TILT_ABSOLUTE_TOLERANCE_MM + MAX_TILT_TANGENT * along) {
      const degrees = (Math.atan2(sideways, along) * 180) / Math.PI;
      return { ok: false, reason: `its slices drift sideways as they advance (a tilt of ${degrees.toFixed(1)}° at ${slices[k].name}), which the volume views would show distorted` };
    }
  }

  const dimensions: [number, number, number] = [first.columns, first.rows, slices.length];
  const bytes = dimensions[0] * dimensions[1] * dimensions[2] * BYTES_PER_VOXEL;
  if (bytes > MAX_VOLUME_BYTES) {
    return { ok: false, reason: `its volume of ${dimensions.join(' × ')} voxels would take more than the ${formatBytes(MAX_VOLUME_BYTES)} the views may use` };
  }
  return { ok: true, shape: { dimensions, sliceStepMm: meanStepMm } };
}

/** What a slice of the open stack is: the frame's image id and the catalog's instance (lib/imageIds StackFrame). */
export interface VolumeFrame {
  imageId: string;
  frame: number | null;
  instance: { path: string; rows: number; columns: number; imageOrientationPatient: readonly number[] | null; imagePositionPatient: readonly number[] | null };
}

/** A frame's own plane, read from its file's per-frame functional groups (cornerstone's imagePlaneModule); null when it has none. */
export type FramePlaneLookup = (imageId: string) => { imageOrientationPatient: readonly number[] | null; imagePositionPatient: readonly number[] | null } | null;

const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/**
 * The slices of the stack's frames: a single-frame image's plane from the catalog, a frame of a
 * multi-frame image from `framePlane` (the catalog holds one position per file, not per frame).
 */
export function slicesOfFrames(frames: readonly VolumeFrame[], framePlane: FramePlaneLookup): SliceGeometry[] | { reason: string } {
  const slices: SliceGeometry[] = [];
  for (const f of frames) {
    const name = f.frame === null ? fileName(f.instance.path) : `frame ${f.frame} of ${fileName(f.instance.path)}`;
    const own = f.frame === null ? f.instance : framePlane(f.imageId);
    if (!own?.imagePositionPatient && f.frame !== null) {
      return { reason: `${name} is a frame of a multi-frame image without a position of its own (no per-frame plane position), so its place in the volume is unknown` };
    }
    slices.push({ name, rows: f.instance.rows, columns: f.instance.columns, imageOrientationPatient: own?.imageOrientationPatient ?? null, imagePositionPatient: own?.imagePositionPatient ?? null });
  }
  return slices;
}
