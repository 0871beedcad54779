/**
 * Places SEG frames on a slice grid: frames are grouped by their ImagePositionPatient, and the groups
 * are ordered by distance along the plane normal (row direction × column direction), so the volume
 * gets one z per distinct position, in ascending order along the normal.
 */

import { imagePlane, sameOrientation } from '../geometry/image-plane';
import { closeTo, dot, type Vec3 } from '../geometry/vec3';

export type { Vec3 } from '../geometry/vec3';

export interface FramePlacement {
  /** ImagePositionPatient of the frame's first pixel, or null when the frame has none. */
  positionMm: Vec3 | null;
  /** ImageOrientationPatient (row cosines then column cosines), or null when absent. */
  orientation: readonly number[] | null;
}

export interface SliceGrid {
  /** z index for every frame, in frame order. */
  frameSlice: Int32Array;
  depth: number;
  /** Position of each slice (null when frames carried no positions). */
  slicePositionsMm: (Vec3 | null)[];
  /** Median distance between neighbouring slices along the normal, null with fewer than two slices. */
  measuredSliceGapMm: number | null;
  orientation: readonly number[] | null;
}

const positionToleranceMm = 0.01;

/**
 * Builds the slice grid, or throws an Error saying why the frames cannot form one.
 * `framesPerSegment` says how many frames each segment (or the whole label map) holds, for the
 * position-less case: a projection image (e.g. CR) has one frame per segment and no position.
 */
export function buildSliceGrid(frames: FramePlacement[], maxFramesPerSegment: number): SliceGrid {
  const withPosition = frames.filter((f) => f.positionMm !== null).length;
  if (withPosition === 0) {
    if (maxFramesPerSegment > 1) {
      throw new Error('frames carry no ImagePositionPatient (PlanePositionSequence), so several frames of one segment cannot be ordered into slices');
    }
    return { frameSlice: new Int32Array(frames.length), depth: 1, slicePositionsMm: [null], measuredSliceGapMm: null, orientation: frames[0]?.orientation ?? null };
  }
  if (withPosition !== frames.length) {
    throw new Error(`only ${withPosition} of ${frames.length} frames carry an ImagePositionPatient`);
  }

  const orientation = frames[0].orientation;
  let normal: Vec3;
  if (orientation) {
    for (const [i, f] of frames.entries()) {
      if (!f.orientation || !sameOrientation(f.orientation, orientation)) {
        throw new Error(`frame ${i + 1} has a different ImageOrientationPatient from frame 1; a volume needs one orientation`);
      }
    }
    const plane = imagePlane({ orientation });
    if (!plane.ok) throw new Error(`frames cannot be ordered into slices: ${plane.reason}`);
    normal = plane.plane.normal;
  } else if (frames.every((f) => positionsClose(f.positionMm!, frames[0].positionMm!))) {
    // One position for every frame: a single slice, the normal does not matter.
    normal = [0, 0, 1];
  } else {
    throw new Error('frames have different positions but no ImageOrientationPatient (PlaneOrientationSequence), so slices cannot be ordered');
  }

  const depthOf = frames.map((f) => dot(f.positionMm!, normal));
  const order = frames.map((_, i) => i).sort((a, b) => depthOf[a] - depthOf[b]);
  const frameSlice = new Int32Array(frames.length);
  const slicePositionsMm: Vec3[] = [];
  const sliceDepths: number[] = [];
  for (const frameIndex of order) {
    const position = frames[frameIndex].positionMm!;
    const last = sliceDepths.length - 1;
    if (last >= 0 && Math.abs(depthOf[frameIndex] - sliceDepths[last]) <= positionToleranceMm) {
      // Same depth: it must also start at the same in-plane point, or the frames are tiles, not slices.
      if (!positionsClose(position, slicePositionsMm[last])) {
        throw new Error(
          `frames at the same depth start at different points (${slicePositionsMm[last].join(', ')} and ${position.join(', ')}); tiled frames are not supported`,
        );
      }
    } else {
      slicePositionsMm.push(position);
      sliceDepths.push(depthOf[frameIndex]);
    }
    frameSlice[frameIndex] = sliceDepths.length - 1;
  }
  const gaps = sliceDepths.slice(1).map((d, i) => d - sliceDepths[i]).sort((a, b) => a - b);
  return {
    frameSlice,
    depth: sliceDepths.length,
    slicePositionsMm,
    measuredSliceGapMm: gaps.length ? gaps[Math.floor(gaps.length / 2)] : null,
    orientation,
  };
}

const positionsClose = (a: Vec3, b: Vec3): boolean => closeTo(a, b, positionToleranceMm);
