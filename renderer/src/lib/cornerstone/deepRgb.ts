import { metaData, utilities, type Types } from '@cornerstonejs/core';
import { wadouri } from '@cornerstonejs/dicom-image-loader';
import type { DataSet } from 'dicom-parser';
import { DEFLATED_LE } from '../../../../core/dicom/transfer-syntax';
import { parsedFile } from './bigEndian32';
import { nativeRgbTo8Bits } from './deepRgbFrame';

/** Images this module made (already 8-bit RGB: not to be converted again). */
const madeHere = new WeakSet<object>();

export const isDeepRgbImage = (image: object): boolean => madeHere.has(image);

/**
 * Native RGB / YBR_FULL with 16- or 32-bit samples (see isNativeDeepRgb): the frame is read from the
 * file itself (a deflated one from the data set cornerstone inflated) and scaled to 8-bit RGB by Bits
 * Stored (deepRgbFrame.ts, the functions `vesalius render` uses), and handed to the viewport as the
 * 8-bit RGB image cornerstone makes of an 8-bit file: colour, three components, the window 0 … 255.
 */
export async function loadNativeDeepRgb(imageId: string, transferSyntaxUid: string): Promise<Types.IImage> {
  const [url, query] = imageId.replace(/^wadouri:/, '').split('?');
  const frameIndex = Math.max(0, Number(new URLSearchParams(query ?? '').get('frame') ?? '1') - 1);
  const { byteArray, dataSet } = transferSyntaxUid === DEFLATED_LE ? inflatedDataSet(imageId) : await parsedFile(url);
  const { rgb, rows, columns } = nativeRgbTo8Bits(byteArray, dataSet, transferSyntaxUid, frameIndex);
  let min = 255;
  let max = 0;
  for (const v of rgb) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const voxelManager = utilities.VoxelManager.createImageVoxelManager({ width: columns, height: rows, numberOfComponents: 3, scalarData: rgb });
  const plane = metaData.get('imagePlaneModule', imageId) as { rowPixelSpacing?: number; columnPixelSpacing?: number } | undefined;
  const image = {
    imageId,
    rows,
    columns,
    width: columns,
    height: rows,
    color: true,
    rgba: false,
    numberOfComponents: 3,
    minPixelValue: min,
    maxPixelValue: max,
    slope: 1,
    intercept: 0,
    windowCenter: 128,
    windowWidth: 256,
    invert: false,
    rowPixelSpacing: plane?.rowPixelSpacing,
    columnPixelSpacing: plane?.columnPixelSpacing,
    sizeInBytes: rgb.byteLength,
    dataType: 'Uint8Array',
    getCanvas: undefined,
    getPixelData: () => rgb,
    voxelManager,
    // What the pixels now are: 8-bit RGB (a YBR_FULL file's samples were converted).
    imageFrame: { photometricInterpretation: 'RGB', bitsAllocated: 8, pixelData: rgb, pixelDataLength: rgb.length },
  } as unknown as Types.IImage;
  madeHere.add(image);
  return image;
}

/**
 * A deflated file is read through cornerstone's data-set loader, which inflates it (checkedLoader.ts):
 * its cache holds that inflated data set while the image is being loaded.
 */
function inflatedDataSet(imageId: string): { byteArray: Uint8Array; dataSet: DataSet } {
  const dataSet = wadouri.dataSetCacheManager.get(wadouri.parseImageId(imageId).url) as DataSet | undefined;
  if (!dataSet) throw new Error('the inflated data set of this deflated file is no longer held by the loader');
  return { byteArray: dataSet.byteArray, dataSet };
}
