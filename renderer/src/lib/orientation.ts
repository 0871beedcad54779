/**
 * Patient-direction letters for a screen direction given in patient (LPS) coordinates.
 * DICOM LPS: +x = patient Left, +y = Posterior, +z = Superior (Head).
 * Oblique directions get up to three letters, most significant first, like most viewers.
 */
export function directionLetters(vector: readonly number[]): string {
  const axes = [
    { pos: 'L', neg: 'R', value: vector[0] },
    { pos: 'P', neg: 'A', value: vector[1] },
    { pos: 'S', neg: 'I', value: vector[2] },
  ];
  return axes
    .filter((axis) => Math.abs(axis.value) > 0.25)
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .map((axis) => (axis.value > 0 ? axis.pos : axis.neg))
    .join('');
}

export interface OrientationMarkers {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

/**
 * Markers at the four edges of an image shown unrotated: the row cosine points to the right
 * edge, the column cosine to the bottom edge (ImageOrientationPatient, PS3.3 C.7.6.2.1.1).
 */
export function orientationMarkers(iop: readonly number[] | null): OrientationMarkers | null {
  if (!iop || iop.length !== 6) return null;
  const row = iop.slice(0, 3);
  const column = iop.slice(3, 6);
  const negate = (v: number[]) => v.map((x) => -x);
  return {
    right: directionLetters(row),
    left: directionLetters(negate(row)),
    bottom: directionLetters(column),
    top: directionLetters(negate(column)),
  };
}
