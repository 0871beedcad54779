import { describe, expect, it } from 'vitest';
import { axialCtInstance, niftiFile } from '../masks/mask-fixtures';
import { decodeNiftiLabels } from '../masks/nifti';
import { niftiVoxelToLps, orientNiftiToSeries } from './nifti-orientation';

// An axial series of 2 images, 4 columns × 3 rows, 1 mm pixels (not in the index; the NIfTI says it), 2.5 mm apart.
const images = [axialCtInstance('1.2.3', 0), axialCtInstance('1.2.3', 1)];
const seriesOrder = Array.from({ length: 24 }, (_, i) => i + 1); // label = 1 + series voxel index

/** A NIfTI of these values with an sform (RAS rows), as a DICOM converter would write it. */
function orientedNifti(values: number[], shape: [number, number, number], srows: number[][]): Uint8Array {
  const bytes = niftiFile({ shape, values, datatype: 'uint8', spacingMm: [1, 1, 2.5] });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setInt16(254, 1, true); // sform_code: scanner anatomical
  srows.forEach((row, r) => row.forEach((v, c) => view.setFloat32(280 + 16 * r + 4 * c, v, true)));
  return bytes;
}

/** Series values with rows stored bottom-up (the usual DICOM → NIfTI row flip). */
const rowsFlipped = (): number[] => {
  const out: number[] = [];
  for (let z = 0; z < 2; z++) for (let y = 2; y >= 0; y--) for (let x = 0; x < 4; x++) out.push(seriesOrder[x + 4 * (y + 3 * z)]);
  return out;
};

describe('orientNiftiToSeries', () => {
  it('undoes a row flip declared by the sform, so voxels land on the series pixels they describe', () => {
    // File j runs anterior (+y in RAS = −y in LPS); file voxel (0,0,0) is series row 2: LPS (0, 2, 0) = RAS (0, −2, 0).
    const bytes = orientedNifti(rowsFlipped(), [4, 3, 2], [
      [-1, 0, 0, 0],
      [0, 1, 0, -2],
      [0, 0, 2.5, 0],
    ]);
    const voxelToLps = niftiVoxelToLps(bytes);
    expect(voxelToLps).not.toBeNull();
    const oriented = orientNiftiToSeries(decodeNiftiLabels(bytes, 'rows.nii'), voxelToLps!, images);
    if (typeof oriented === 'string') throw new Error(oriented);
    expect(oriented.shape).toEqual([4, 3, 2]);
    expect(Array.from(oriented.data)).toEqual(seriesOrder);
  });

  it('undoes reversed slices and swapped in-plane axes', () => {
    // File axis 0 runs along series rows, axis 1 along columns, axis 2 from the last image to the first.
    const values: number[] = [];
    for (let k = 0; k < 2; k++) for (let col = 0; col < 4; col++) for (let row = 0; row < 3; row++) values.push(seriesOrder[col + 4 * (row + 3 * (1 - k))]);
    const bytes = orientedNifti(values, [3, 4, 2], [
      [0, -1, 0, 0],
      [-1, 0, 0, 0],
      [0, 0, -2.5, 2.5],
    ]);
    const oriented = orientNiftiToSeries(decodeNiftiLabels(bytes, 'swapped.nii'), niftiVoxelToLps(bytes)!, images);
    if (typeof oriented === 'string') throw new Error(oriented);
    expect(Array.from(oriented.data)).toEqual(seriesOrder);
    expect(oriented.spacingMm).toEqual([1, 1, 2.5]);
  });

  it('refuses oblique axes and a grid that starts elsewhere, and ignores a header with no orientation', () => {
    const c = Math.SQRT1_2;
    const oblique = orientedNifti(seriesOrder, [4, 3, 2], [
      [-c, c, 0, 0],
      [c, c, 0, 0],
      [0, 0, 2.5, 0],
    ]);
    expect(orientNiftiToSeries(decodeNiftiLabels(oblique, 'o.nii'), niftiVoxelToLps(oblique)!, images)).toMatch(/oblique/);

    const shifted = orientedNifti(seriesOrder, [4, 3, 2], [
      [-1, 0, 0, -50],
      [0, -1, 0, 0],
      [0, 0, 2.5, 0],
    ]);
    expect(orientNiftiToSeries(decodeNiftiLabels(shifted, 's.nii'), niftiVoxelToLps(shifted)!, images)).toMatch(/50\.0 mm from the series/);

    expect(niftiVoxelToLps(niftiFile({ shape: [4, 3, 2], values: seriesOrder, datatype: 'uint8' }))).toBeNull();
  });

  it('refuses a series whose first image has an unusable orientation, saying why', () => {
    const bytes = orientedNifti(seriesOrder, [4, 3, 2], [
      [-1, 0, 0, 0],
      [0, -1, 0, 0],
      [0, 0, 2.5, 0],
    ]);
    const skewed = images.map((i) => ({ ...i, imageOrientationPatient: [1, 0, 0, 0.5, 0.5, 0] as [number, number, number, number, number, number] }));
    expect(orientNiftiToSeries(decodeNiftiLabels(bytes, 'n.nii'), niftiVoxelToLps(bytes)!, skewed)).toMatch(/first image has no usable plane .*column direction has length 0\.7071/);
  });

  it('names both orders when the sizes differ', () => {
    const bytes = orientedNifti(new Array(24).fill(1), [3, 4, 2], [
      [-1, 0, 0, 0],
      [0, -1, 0, 0],
      [0, 0, 2.5, 0],
    ]);
    expect(orientNiftiToSeries(decodeNiftiLabels(bytes, 'n.nii'), niftiVoxelToLps(bytes)!, images)).toMatch(/3×4×2 in file order is 3×4×2 in the series' order, not the series' 4×3×2/);
  });
});
