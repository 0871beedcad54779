import { cross, type Vec3 } from '../../../core/geometry/vec3';
import { orientationMarkers, type OrientationMarkers } from '../lib/orientation';

/**
 * The view's edges in patient letters: on screen, right is viewUp × viewPlaneNormal (the normal points
 * at the viewer) and down is −viewUp; as an ImageOrientationPatient (row = right, column = down).
 */
export function markersOfCamera(camera: { viewUp?: readonly number[]; viewPlaneNormal?: readonly number[] }): OrientationMarkers | null {
  const up = camera.viewUp;
  const normal = camera.viewPlaneNormal;
  if (!up || !normal || up.length !== 3 || normal.length !== 3) return null;
  const right = cross(up as unknown as Vec3, normal as unknown as Vec3);
  return orientationMarkers([...right, -up[0], -up[1], -up[2]]);
}
