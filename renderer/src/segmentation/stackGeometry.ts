// The voxel grid a drawn segmentation lies on: the open stack's frames (index z) as one regular volume.
import type { Instance } from '../../../core/contract/dicom';
import type { VolumeGeometry } from '../../../core/geometry/patient-space';
import { stackVolumeGeometry } from '../../../core/geometry/stack-geometry';
import { toVec3 } from '../../../core/geometry/vec3';
import type { Shape } from '../../../core/annotations/model';

export interface StackGeometry {
  /** [columns, rows, slices], as SegmentationContent and the store take it. */
  shape: Shape;
  /** Voxel size along i, j, k (mm). */
  spacingMm: [number, number, number];
  /** ijk ↔ patient mm; null when the frames carry no usable position/orientation (then only i, j of the image are known). */
  geometry: VolumeGeometry | null;
}

/**
 * The stack's voxel grid from its frames (in canonical order) and the in-plane pixel spacing
 * [between rows, between columns] (PixelSpacing as DICOM writes it, read from the first loaded image).
 * Frames of differing sizes cannot form one grid: the reason is returned instead.
 */
export function stackGeometry(instances: readonly Instance[], pixelSpacingMm: readonly [number, number] | null): StackGeometry | { reason: string } {
  const first = instances[0];
  const last = instances[instances.length - 1];
  if (!first || !last) return { reason: 'the series has no images' };
  const odd = instances.find((i) => i.rows !== first.rows || i.columns !== first.columns);
  if (odd) return { reason: `its images differ in size (${first.columns}×${first.rows} and ${odd.columns}×${odd.rows}), so no one mask fits them all` };
  const shape: Shape = [first.columns, first.rows, instances.length];
  const placed = stackVolumeGeometry({
    orientation: first.imageOrientationPatient,
    firstPositionMm: toVec3(first.imagePositionPatient),
    lastPositionMm: toVec3(last.imagePositionPatient),
    sliceCount: instances.length,
    pixelSpacingMm,
  });
  if (placed.ok) {
    const [i, j, k] = placed.geometry.spacingMm;
    return { shape, spacingMm: [i, j, k], geometry: placed.geometry };
  }
  // No plane or position: the brush still works on the image grid, with the spacing it has.
  return { shape, spacingMm: [pixelSpacingMm?.[1] ?? 1, pixelSpacingMm?.[0] ?? 1, 1], geometry: null };
}
