// A file's bytes → its parsed data set and Pixel Data element, through the project's header reader
// (core/dicom/read-header: the same acceptance, limits and reasons as the index). A deflated data set
// is inflated here no further than its header's image needs (and a cap), so a decompression bomb is
// refused, not allocated.
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { InflateFailure, inflateRawCapped } from '../compress/inflate-capped';
import { parserWords } from '../dicom/parser-words';
import { readHeader } from '../dicom/read-header';
import { DEFLATED_LE } from '../dicom/transfer-syntax';
import { readFileMeta } from '../dicom/file-meta';
import { FLOAT_PIXEL_DATA, DOUBLE_FLOAT_PIXEL_DATA } from './float-frame';
import { readPixelLayout } from './image-attributes';
import { nativeFrameBits } from './pixel-frames';
import { RenderRefusal } from './render-refusal';
import { formatBytes } from '../fs/size-text';

export interface LoadedImage {
  dataSet: DataSet;
  /** The bytes element offsets refer to (the inflated data set for the deflated syntax). */
  byteArray: Uint8Array;
  transferSyntaxUid: string;
  pixelElement: Element;
}

const MIB = 2 ** 20;
const NO_PIXEL_DATA = 'no Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009) element';

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** Bytes allowed after the pixel data a header declares (trailing elements, padding). */
const TRAILING_SLACK = MIB;
/** Inflated bytes allowed while looking for the Pixel Data element (a header is a few KB; this is far beyond). */
const HEADER_INFLATE_CAP = 64 * MIB;
/** Compressed bytes inflated first to find the header; grown ×4 while the Pixel Data element is not reached. */
const FIRST_HEADER_SLICE = 16 * 1024;

const inflateError = (e: unknown, dataSetStart: number): RenderRefusal =>
  new RenderRefusal(`the deflated data set (from byte offset ${dataSetStart}) cannot be inflated: ${e instanceof InflateFailure ? e.words : String(e)}`);

/**
 * The header of a deflated data set, from as little of the stream as reaches the Pixel Data
 * element: a slice of the compressed bytes is inflated (its output is at most ~1,000× the slice),
 * parsed up to the pixel data, and grown while the element is not yet in it.
 */
function deflatedHeader(bytes: Buffer, dataSetStart: number): DataSet {
  for (let slice = FIRST_HEADER_SLICE; ; slice *= 4) {
    const whole = dataSetStart + slice >= bytes.length;
    let inflated: Buffer;
    try {
      inflated = inflateRawCapped(bytes.subarray(dataSetStart, dataSetStart + slice), HEADER_INFLATE_CAP, true);
    } catch (e) {
      if (e instanceof InflateFailure && e.overCap) {
        throw new RenderRefusal(`the deflated data set (from byte offset ${dataSetStart}) inflates to more than ${formatBytes(HEADER_INFLATE_CAP)} before its Pixel Data (7FE0,0010) element`);
      }
      throw inflateError(e, dataSetStart);
    }
    const partial = Buffer.concat([bytes.subarray(0, dataSetStart), inflated]);
    try {
      const dataSet = dicomParser.parseDicom(partial, { inflater: () => partial, untilTag: 'x7fe00010' });
      if (dataSet.elements.x7fe00010 || whole) return dataSet;
    } catch (e) {
      if (whole) throw new RenderRefusal(`the inflated data set cannot be parsed: ${parserWords(e)}`);
    }
  }
}

/**
 * Inflates a deflated data set (PS3.5 A.5) into no more than its header's image needs: the Pixel
 * Data element's offset plus rows × columns × frames × samples × bits, plus TRAILING_SLACK, and never
 * above the cap. A stream that inflates further (a decompression bomb) is refused, not allocated.
 */
function inflateCapped(bytes: Buffer, dataSetStart: number, maxBytes: number): Buffer {
  const header = deflatedHeader(bytes, dataSetStart);
  const pixel = header.elements.x7fe00010;
  if (!pixel && (header.elements[FLOAT_PIXEL_DATA] || header.elements[DOUBLE_FLOAT_PIXEL_DATA])) {
    throw new RenderRefusal('float or double float pixel data (7FE0,0008 / 7FE0,0009) in the deflated transfer syntax is not rendered');
  }
  if (!pixel) throw new RenderRefusal(NO_PIXEL_DATA);
  const layout = readPixelLayout(header);
  const declared = Math.ceil((nativeFrameBits(layout) * layout.numberOfFrames) / 8);
  if (declared > maxBytes) {
    throw new RenderRefusal(`the declared pixel data (${declared} bytes) of the deflated data set is above the cap of ${formatBytes(maxBytes)}`);
  }
  const needed = Math.min(pixel.dataOffset - dataSetStart + declared + TRAILING_SLACK, maxBytes);
  let inflated: Buffer;
  try {
    inflated = inflateRawCapped(bytes.subarray(dataSetStart), needed, false);
  } catch (e) {
    if (e instanceof InflateFailure && e.overCap) {
      throw new RenderRefusal(
        `the deflated data set (from byte offset ${dataSetStart}) inflates to more than the ${needed} bytes its header declares ` +
          `(${layout.rows} × ${layout.columns} × ${layout.numberOfFrames} frame(s) × ${layout.samplesPerPixel} sample(s) × ${layout.bitsAllocated} bits of pixel data, + ${TRAILING_SLACK / MIB} MiB): inflation stopped there`,
      );
    }
    throw inflateError(e, dataSetStart);
  }
  return Buffer.concat([bytes.subarray(0, dataSetStart), inflated]);
}

export async function loadImageDataset(fileBytes: Uint8Array, maxBytes: number): Promise<LoadedImage> {
  const bytes = asBuffer(fileBytes);
  const meta = readFileMeta(bytes);
  if (meta?.transferSyntaxUid === DEFLATED_LE) {
    const full = inflateCapped(bytes, meta.dataSetStart, maxBytes);
    let dataSet: DataSet;
    try {
      dataSet = dicomParser.parseDicom(full, { inflater: () => full });
    } catch (e) {
      throw new RenderRefusal(`the inflated data set cannot be parsed: ${parserWords(e)}`);
    }
    const pixelElement = dataSet.elements.x7fe00010;
    if (!pixelElement) throw new RenderRefusal(NO_PIXEL_DATA);
    return { dataSet, byteArray: dataSet.byteArray, transferSyntaxUid: DEFLATED_LE, pixelElement };
  }
  const header = await readHeader(async (position, length) => bytes.subarray(position, position + length), bytes, bytes.length);
  if (!header.ok) throw new RenderRefusal(header.reason);
  const element = header.pixelElement;
  if (!element) throw new RenderRefusal(NO_PIXEL_DATA);
  return { dataSet: header.dataSet, byteArray: header.dataSet.byteArray, transferSyntaxUid: header.transferSyntaxUid, pixelElement: element };
}
