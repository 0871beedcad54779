import { readFile } from 'node:fs/promises';
import type { Series } from '../contract/dicom';
import { err, ok, type Result } from '../contract/result';
import { imagesOfFrames } from '../geometry/slice-order';
import { decodeDicomSeg, type DicomSegMask } from '../masks/dicom-seg';
import type { MaskSet } from '../masks/read-mask';
import { niftiVoxelToLps, orientNiftiToSeries } from './nifti-orientation';
import { placeSegOnSeries } from './seg-placement';

type Shape = readonly [number, number, number];
const formatShape = (shape: Shape): string => shape.join('×');
const describeError = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** [columns, rows, frames] of a series, or a reason when its images do not share one size. */
export function seriesShape(series: Series): Result<Shape> {
  const first = series.instances[0];
  if (!first) return err('bad_input', `series ${series.seriesInstanceUid} has no images`);
  const odd = series.instances.find((i) => i.rows !== first.rows || i.columns !== first.columns);
  if (odd) {
    return err(
      'bad_input',
      `series ${series.seriesInstanceUid} mixes image sizes (${first.columns}×${first.rows} and ${odd.columns}×${odd.rows}); a mask cannot cover it`,
    );
  }
  // Depth is the canonical frame list's length: the stack the viewer shows and the mask must cover.
  return ok([first.columns, first.rows, series.frames.length] as const);
}

/**
 * The mask as it lies on the series' stack, or why it cannot: the same columns × rows × slices
 * (a NIfTI that declares its orientation first put in the series' axis order), or a DICOM SEG
 * covering some of the series' images, placed on them by position. Never resampled.
 */
export async function fitToSeries(filePath: string, read: MaskSet, series: Series): Promise<MaskSet | string> {
  const shape = seriesShape(series);
  if (!shape.ok) return shape.error.message;
  const mismatch = `mask shape ${formatShape(read.volume.shape)} (columns×rows×slices) does not match series ${series.seriesInstanceUid} shape ${formatShape(shape.value)}; masks are never resampled`;
  if (read.format === 'nifti') {
    const oriented = await orientNifti(filePath, read, series);
    if (typeof oriented === 'string') {
      return `mask shape ${formatShape(read.volume.shape)} cannot be put on series ${series.seriesInstanceUid} shape ${formatShape(shape.value)} (columns×rows×slices): ${oriented}; masks are never resampled`;
    }
    read = oriented;
  }
  const maskShape = read.volume.shape;
  if (shape.value.every((n, i) => n === maskShape[i])) return read;
  const partialSeg = read.format === 'dicom-seg' && maskShape[0] === shape.value[0] && maskShape[1] === shape.value[1] && maskShape[2] < shape.value[2];
  if (!partialSeg) return mismatch;
  let seg: DicomSegMask;
  try {
    seg = decodeDicomSeg(await readFile(filePath), filePath);
  } catch (e) {
    return `${mismatch} (${describeError(e)})`;
  }
  const placed = placeSegOnSeries(seg, read, series);
  return typeof placed === 'string' ? `${mismatch}, and its frames cannot be placed on the series images: ${placed}` : placed;
}

/**
 * A NIfTI that declares its orientation is turned into the series' voxel order (axes permuted or
 * flipped only); one that declares none, or a multi-frame series, is taken in file order.
 */
async function orientNifti(filePath: string, read: MaskSet, series: Series): Promise<MaskSet | string> {
  if (series.instances.some((i) => i.numberOfFrames > 1)) return read;
  let voxelToLps: number[][] | null;
  try {
    voxelToLps = niftiVoxelToLps(await readFile(filePath));
  } catch (e) {
    return `cannot read its orientation (${describeError(e)})`;
  }
  if (!voxelToLps) return read;
  // Single-frame series: one image per z of the canonical frame list, the order the viewer stacks.
  const images = imagesOfFrames(series.frames, series.instances);
  if (!images.ok) return `the series frame list is broken: ${images.reason}`;
  const oriented = orientNiftiToSeries(read.volume, voxelToLps, images.images);
  return typeof oriented === 'string' ? oriented : { ...read, volume: oriented };
}
