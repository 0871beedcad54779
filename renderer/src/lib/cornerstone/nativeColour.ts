import { utilities, type Types } from '@cornerstonejs/core';
import { storedValues } from '../../../../core/render/stored-values';
import { rgbBytes } from '../../../../core/render/colour';

type DecodedColour = Types.IImage & { imageFrame?: { pixelData?: unknown; pixelDataLength?: number } };

/**
 * Native (uncompressed) YBR_FULL_422 keeps two luma samples per chroma pair: 2 bytes a pixel at 8 bits.
 * cornerstone 5.14 expects another length for 4:2:2 (its check mixes in 4:2:0 rows), so it hands the
 * raw samples on as if they were RGB, and vtk refuses a pixel array that does not fill 3 samples a
 * pixel. When a decoded image is exactly that, it is expanded and converted here with the same
 * functions `vesalius render` uses (core/render), and the image then carries 8-bit RGB.
 */
export function convertNativeYbr422(image: DecodedColour, photometric: string | undefined, bitsAllocated: number | undefined): boolean {
  const raw = image.getPixelData();
  const pixels = image.rows * image.columns;
  if (photometric !== 'YBR_FULL_422' || bitsAllocated !== 8 || !(raw instanceof Uint8Array || raw instanceof Uint8ClampedArray) || raw.length !== pixels * 2) return false;
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  const values = storedValues({ bytes, bitOffset: 0, bitsAllocated: 8, littleEndian: true, samplesPerPixel: 3, planar: 0, ybr422: true, bitsStored: 8, highBit: 7, signed: false }, pixels);
  const rgb = rgbBytes(values, 8, true);
  if (image.imageFrame) {
    image.imageFrame.pixelData = rgb;
    image.imageFrame.pixelDataLength = rgb.length;
  }
  image.getPixelData = () => rgb;
  image.voxelManager = utilities.VoxelManager.createImageVoxelManager({ scalarData: rgb, width: image.columns, height: image.rows, numberOfComponents: 3 }) as Types.IImage['voxelManager'];
  image.numberOfComponents = 3;
  image.sizeInBytes = rgb.byteLength;
  return true;
}
