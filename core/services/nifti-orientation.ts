import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import type { Instance } from '../contract/dicom';
import { imagePlane } from '../geometry/image-plane';
import { flipLpsRasRows } from '../geometry/lps-ras';
import { stackStep } from '../geometry/patient-space';
import { distance, dot, norm, toVec3, type Vec3 } from '../geometry/vec3';
import type { LabelArray, LabelVolume } from '../metrics/types';

/** Axes closer than this to a series axis (cosine) count as that axis; anything less is oblique. */
const AXIS_COSINE = 0.99;

type Triple = [number, number, number];

/**
 * The voxel → patient (DICOM LPS, mm) matrix of a NIfTI file, rows of [x y z offset], or null when
 * the header declares no orientation (qform_code and sform_code both 0: file order is all we know).
 */
export function niftiVoxelToLps(fileBytes: Uint8Array): number[][] | null {
  const bytes = fileBytes[0] === 0x1f && fileBytes[1] === 0x8b ? gunzipSync(fileBytes) : fileBytes;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const header = nifti.readHeader(buffer);
  if (!header || (header.qform_code < 1 && header.sform_code < 1)) return null;
  return flipLpsRasRows(header.affine);
}

/**
 * Series axes in LPS: the row direction (x, column index grows), the column direction (y, row index
 * grows), and from the first image to the last in canonical order (z; the normal for one image).
 */
function seriesAxes(images: readonly Instance[]): { axes: [Vec3, Vec3, Vec3]; origin: Vec3 } | string {
  const first = images[0];
  if (!first?.imageOrientationPatient || !first.imagePositionPatient) return 'the series images carry no position/orientation to match the NIfTI orientation against';
  const plane = imagePlane({ orientation: first.imageOrientationPatient, positionMm: first.imagePositionPatient });
  if (!plane.ok) return `the series' first image has no usable plane (${plane.reason})`;
  const origin = plane.plane.positionMm!;
  const last = toVec3(images[images.length - 1].imagePositionPatient);
  const step = last ? stackStep(origin, last, images.length) : null;
  return { axes: [plane.plane.rowDirection, plane.plane.columnDirection, step?.direction ?? plane.plane.normal], origin };
}

/**
 * The label volume in the series' voxel order (x along rows, y along columns, z in canonical order),
 * from a NIfTI whose axes are the series' axes up to order and direction — as tools that convert
 * DICOM to NIfTI write them (often with rows or slices reversed). Axes are only permuted and
 * flipped, never resampled; oblique axes, other sizes or a grid that starts elsewhere are a reason string.
 * `images` are the series' images, one per z of its canonical frame list (series.frames).
 */
export function orientNiftiToSeries(volume: LabelVolume, voxelToLps: number[][], images: readonly Instance[]): LabelVolume | string {
  const series = seriesAxes(images);
  if (typeof series === 'string') return series;
  const rows = images[0].rows;
  const columns = images[0].columns;
  const seriesShape: Triple = [columns, rows, images.length];

  const targetAxis: number[] = [];
  const flipped: boolean[] = [];
  for (let p = 0; p < 3; p++) {
    const column: Vec3 = [voxelToLps[0][p], voxelToLps[1][p], voxelToLps[2][p]];
    const length = norm(column);
    const q = series.axes.findIndex((axis) => length > 0 && Math.abs(dot(axis, column)) / length >= AXIS_COSINE);
    if (q < 0 || targetAxis.includes(q)) return `NIfTI axis ${p} is oblique to the series axes; masks are never resampled`;
    targetAxis.push(q);
    flipped.push(dot(series.axes[q], column) < 0);
  }
  const fileShape = volume.shape;
  const orientedShape: Triple = [0, 0, 0];
  targetAxis.forEach((q, p) => (orientedShape[q] = fileShape[p]));
  if (orientedShape.some((n, q) => n !== seriesShape[q])) {
    return `NIfTI ${fileShape.join('×')} in file order is ${orientedShape.join('×')} in the series' order, not the series' ${seriesShape.join('×')}`;
  }

  // The file voxel that lands on the series' first voxel must lie on the first image's first pixel.
  const cornerIndex: Vec3 = [flipped[0] ? fileShape[0] - 1 : 0, flipped[1] ? fileShape[1] - 1 : 0, flipped[2] ? fileShape[2] - 1 : 0];
  const affineRow = (r: number): number => dot([voxelToLps[r][0], voxelToLps[r][1], voxelToLps[r][2]], cornerIndex) + voxelToLps[r][3];
  const cornerLps: Vec3 = [affineRow(0), affineRow(1), affineRow(2)];
  const voxelSizes = [0, 1, 2].map((p) => norm([voxelToLps[0][p], voxelToLps[1][p], voxelToLps[2][p]]));
  const offsetMm = distance(cornerLps, series.origin);
  if (offsetMm > Math.max(...voxelSizes)) {
    return `NIfTI grid starts ${offsetMm.toFixed(1)} mm from the series' first image position; it is not this series' grid`;
  }

  if (targetAxis.every((q, p) => q === p) && !flipped.some(Boolean)) return volume;

  const strides = [1, columns, columns * rows];
  let base = 0;
  const steps = [0, 0, 0];
  for (let p = 0; p < 3; p++) {
    const stride = strides[targetAxis[p]];
    if (flipped[p]) base += (fileShape[p] - 1) * stride;
    steps[p] = flipped[p] ? -stride : stride;
  }
  const Ctor = volume.data.constructor as new (length: number) => LabelArray;
  const data = new Ctor(volume.data.length);
  const [n0, n1, n2] = fileShape;
  let i = 0;
  for (let k = 0; k < n2; k++) {
    for (let j = 0; j < n1; j++) {
      let out = base + j * steps[1] + k * steps[2];
      for (let x = 0; x < n0; x++, i++, out += steps[0]) data[out] = volume.data[i];
    }
  }
  const spacingMm: Triple = [0, 0, 0];
  targetAxis.forEach((q, p) => (spacingMm[q] = volume.spacingMm[p]));
  return { data, shape: seriesShape, spacingMm, source: volume.source };
}
