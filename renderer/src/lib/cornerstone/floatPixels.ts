import { metaData, utilities, type Types } from '@cornerstonejs/core';
import { EXPLICIT_BE } from '../../../../core/dicom/transfer-syntax';
import { decimal } from '../../../../core/render/dicom-values';
import { DOUBLE_FLOAT_PIXEL_DATA, FLOAT_PIXEL_DATA, finiteRange, floatFrameValues, readFloatLayout } from '../../../../core/render/float-frame';
import { parsedFile } from './bigEndian32';

/** Images this module made: their window over the data range is applied exactly (core/imaging/voi effectiveVoiFunction). */
const realValued = new WeakSet<object>();

export const isRealValuedImage = (image: object): boolean => realValued.has(image);

/**
 * cornerstone 5.14's naturalised loader reads no Float / Double Float Pixel Data (7FE0,0008 /
 * 7FE0,0009): a parametric map fails with "no pixel data". This reads the frame with core/render's
 * reader (the one `vesalius render` uses), applies the file's rescale, and hands cornerstone a
 * prescaled Float32 image; NaN and infinities, which no window can show, are drawn as the lowest
 * value. Null when the file has no real-valued pixel data (the original failure stands).
 */
export async function loadFloatGrey(imageId: string): Promise<Types.IImage | null> {
  const [url, query] = imageId.replace(/^wadouri:/, '').split('?');
  const frameIndex = Math.max(0, Number(new URLSearchParams(query ?? '').get('frame') ?? '1') - 1);
  const { byteArray, dataSet } = await parsedFile(url);
  const element = dataSet.elements[FLOAT_PIXEL_DATA] ?? dataSet.elements[DOUBLE_FLOAT_PIXEL_DATA];
  if (!element) return null;
  const layout = readFloatLayout(dataSet, element);
  const littleEndian = dataSet.string('x00020010')?.replace(/\0/g, '').trim() !== EXPLICIT_BE;
  const values = floatFrameValues(byteArray, element, layout, frameIndex, littleEndian);
  const slope = decimal(dataSet, 'x00281053', 'Rescale Slope') ?? 1;
  const intercept = decimal(dataSet, 'x00281052', 'Rescale Intercept') ?? 0;
  const range = finiteRange(values.map((v) => v * slope + intercept));
  const scalarData = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) scalarData[i] = Number.isFinite(values[i]) ? values[i] * slope + intercept : range.min;
  const { rows, columns } = layout;
  const voxelManager = utilities.VoxelManager.createImageVoxelManager({ width: columns, height: rows, numberOfComponents: 1, scalarData });
  const plane = metaData.get('imagePlaneModule', imageId) as { rowPixelSpacing?: number; columnPixelSpacing?: number } | undefined;
  const image = {
    imageId,
    rows,
    columns,
    width: columns,
    height: rows,
    color: false,
    rgba: false,
    numberOfComponents: 1,
    minPixelValue: range.min,
    maxPixelValue: range.max,
    slope,
    intercept,
    windowCenter: (range.min + range.max) / 2,
    windowWidth: Math.max(range.max - range.min, Number.EPSILON),
    invert: false,
    rowPixelSpacing: plane?.rowPixelSpacing ?? 1,
    columnPixelSpacing: plane?.columnPixelSpacing ?? 1,
    sizeInBytes: scalarData.byteLength,
    dataType: 'Float32Array',
    getCanvas: undefined,
    getPixelData: () => voxelManager.getScalarData(),
    voxelManager,
    imageFrame: { photometricInterpretation: 'MONOCHROME2', bitsAllocated: layout.bytesPerValue * 8 },
    preScale: { enabled: true, scaled: true, scalingParameters: { rescaleSlope: slope, rescaleIntercept: intercept, modality: '' } },
  } as unknown as Types.IImage;
  realValued.add(image);
  return image;
}
