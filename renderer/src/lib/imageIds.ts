import type { Instance, Series } from '../../../core/contract/dicom';
import { distanceAlongNormalMm, sliceNormal } from '../../../core/geometry/image-plane';
import { imagesOfFrames } from '../../../core/geometry/slice-order';
import { toVec3 } from '../../../core/geometry/vec3';

/** Position of an instance along its slice normal (mm); its SliceLocation when the geometry is missing or unusable. */
export function slicePositionMm(instance: Instance): number | null {
  const normal = sliceNormal(instance.imageOrientationPatient);
  const positionMm = toVec3(instance.imagePositionPatient);
  return normal && positionMm ? distanceAlongNormalMm(positionMm, normal) : instance.sliceLocation;
}

/** One entry per displayed frame: the imageId cornerstone loads and the instance it came from. */
export interface StackFrame {
  imageId: string;
  instance: Instance;
  /** 1-based frame number inside a multi-frame instance; null for single-frame instances. */
  frame: number | null;
}

/**
 * The wadouri imageIds of a series, one per entry of its canonical frame list (series.frames, in
 * that order, never re-sorted), served by our own origin at /dicom/<fileKey>. A frame whose
 * instance is not among the series' instances is a broken Series: it throws, naming the frame.
 */
export function stackFramesForSeries(series: Series, origin: string): StackFrame[] {
  const resolved = imagesOfFrames(series.frames, series.instances);
  if (!resolved.ok) throw new Error(`series ${series.seriesInstanceUid}: ${resolved.reason}`);
  return series.frames.map((ref, z) => {
    const url = `wadouri:${origin}/dicom/${encodeURIComponent(ref.fileKey)}`;
    return { imageId: ref.frame === null ? url : `${url}?frame=${ref.frame}`, instance: resolved.images[z], frame: ref.frame };
  });
}

export const middleIndex = (count: number): number => Math.max(0, Math.floor((count - 1) / 2));
