// Float Pixel Data (7FE0,0008) and Double Float Pixel Data (7FE0,0009): parametric maps and other
// real-valued images (PS3.3 C.7.6.3.1.1). One sample per pixel, IEEE 754 values in the transfer
// syntax's byte order, no Bits Stored / High Bit / Pixel Representation; NaN and infinities are
// allowed in the data and shown black (they belong to no window).
import type { DataSet, Element } from 'dicom-parser';
import { tagLabel } from '../dicom/tag-label';
import type { ValueRange } from '../imaging/voi';
import { integerString, textValue, us } from './dicom-values';
import { RenderRefusal } from './render-refusal';

export const FLOAT_PIXEL_DATA = 'x7fe00008';
export const DOUBLE_FLOAT_PIXEL_DATA = 'x7fe00009';

/** Bytes per value of each real-valued pixel element. */
const BYTES_PER_VALUE: Record<string, 4 | 8> = { [FLOAT_PIXEL_DATA]: 4, [DOUBLE_FLOAT_PIXEL_DATA]: 8 };

export const isFloatPixelTag = (tag: string): boolean => tag in BYTES_PER_VALUE;

/** Where a real-valued image's frames lie and how big they are. */
export interface FloatLayout {
  rows: number;
  columns: number;
  numberOfFrames: number;
  bytesPerValue: 4 | 8;
  /** The element's own name and tag, for reasons. */
  label: string;
}

/** The layout of a real-valued image, refused where its attributes contradict the element it uses. */
export function readFloatLayout(dataSet: DataSet, element: Element): FloatLayout {
  const bytesPerValue = BYTES_PER_VALUE[element.tag];
  const label = `${element.tag === FLOAT_PIXEL_DATA ? 'Float Pixel Data' : 'Double Float Pixel Data'} ${tagLabel(element.tag)}`;
  const rows = us(dataSet, 'x00280010', 'Rows');
  const columns = us(dataSet, 'x00280011', 'Columns');
  if (rows === null || columns === null || rows === 0 || columns === 0) {
    throw new RenderRefusal(`the image is ${rows ?? 'missing'} × ${columns ?? 'missing'} pixels (Rows (0028,0010) × Columns (0028,0011))`);
  }
  const samplesPerPixel = us(dataSet, 'x00280002', 'Samples per Pixel') ?? 1;
  if (samplesPerPixel !== 1) throw new RenderRefusal(`${label} holds one value per pixel, but Samples per Pixel (0028,0002) is ${samplesPerPixel}`);
  const bitsAllocated = us(dataSet, 'x00280100', 'Bits Allocated');
  if (bitsAllocated !== null && bitsAllocated !== bytesPerValue * 8) {
    throw new RenderRefusal(`${label} holds ${bytesPerValue * 8}-bit values, but Bits Allocated (0028,0100) is ${bitsAllocated}`);
  }
  const photometric = textValue(dataSet, 'x00280004').toUpperCase() || 'MONOCHROME2';
  if (photometric !== 'MONOCHROME2') {
    throw new RenderRefusal(`${label} is grey-scale (MONOCHROME2), but Photometric Interpretation (0028,0004) is ${JSON.stringify(photometric.slice(0, 40))}`);
  }
  const numberOfFrames = integerString(dataSet, 'x00280008', 'Number of Frames') ?? 1;
  if (numberOfFrames < 1) throw new RenderRefusal(`Number of Frames (0028,0008) is ${numberOfFrames}`);
  return { rows, columns, numberOfFrames, bytesPerValue, label };
}

/** Frame `frameIndex` (0-based) as numbers; the element's length is checked against all frames first. */
export function floatFrameValues(byteArray: Uint8Array, element: Element, layout: FloatLayout, frameIndex: number, littleEndian: boolean): Float64Array {
  if (element.length === 0xffffffff) throw new RenderRefusal(`${layout.label} has an undefined length: real-valued pixels are never encapsulated`);
  if (element.dataOffset + element.length > byteArray.length) {
    throw new RenderRefusal(`${layout.label} claims ${element.length} bytes from byte offset ${element.dataOffset}, but the data set ends at byte ${byteArray.length}`);
  }
  const pixelCount = layout.rows * layout.columns;
  const frameBytes = pixelCount * layout.bytesPerValue;
  const needed = frameBytes * layout.numberOfFrames;
  if (element.length < needed) {
    throw new RenderRefusal(
      `${layout.label} holds ${element.length} bytes, but ${layout.rows} × ${layout.columns} × ${layout.numberOfFrames} frame(s) × ${layout.bytesPerValue * 8} bits need ${needed}`,
    );
  }
  const view = new DataView(byteArray.buffer, byteArray.byteOffset + element.dataOffset + frameIndex * frameBytes, frameBytes);
  const values = new Float64Array(pixelCount);
  if (layout.bytesPerValue === 4) for (let i = 0; i < pixelCount; i++) values[i] = view.getFloat32(i * 4, littleEndian);
  else for (let i = 0; i < pixelCount; i++) values[i] = view.getFloat64(i * 8, littleEndian);
  return values;
}

/** Smallest and largest finite value (NaN and infinities have no place in a window); 0..0 when there is none. */
export function finiteRange(values: Float64Array): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}
