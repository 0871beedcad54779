// DICOM patient space is LPS (x to the patient's left, y to posterior, z to head); NIfTI world space
// is RAS (x right, y anterior, z head). The two differ by the sign of x and y, so one flip goes both ways.

/**
 * A voxel → world matrix (rows [x y z offset], or any row length) carried from LPS to RAS or from RAS
 * to LPS: its first two rows negated. Only the first three rows are returned (a 4×4 affine's last
 * row is dropped).
 */
export function flipLpsRasRows(voxelToWorld: readonly (readonly number[])[]): number[][] {
  return voxelToWorld.slice(0, 3).map((row, r) => (r < 2 ? row.map((v) => -v) : [...row]));
}
