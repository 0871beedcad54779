// A file's bytes → its parsed data set and Pixel Data element, through the project's header reader
// (core/dicom/read-header: the same acceptance, limits and reasons as the index). A deflated data set
// is inflated here with an output cap first, so a decompression bomb is refused, not allocated.
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { parserMessage, readHeader } from '../dicom/read-header';
import { DEFLATED_LE } from '../dicom/transfer-syntax';
import { RenderRefusal } from './render-refusal';

export interface LoadedImage {
  dataSet: DataSet;
  /** The bytes element offsets refer to (the inflated data set for the deflated syntax). */
  byteArray: Uint8Array;
  transferSyntaxUid: string;
  pixelElement: Element;
}

const MIB = 2 ** 20;

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** The transfer syntax and end of the file meta header, or null for a file without one. */
function readMeta(bytes: Buffer): { transferSyntaxUid: string; dataSetStart: number } | null {
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') return null;
  try {
    const meta = dicomParser.readPart10Header(bytes) as DataSet & { position?: number };
    return { transferSyntaxUid: (meta.string('x00020010') ?? '').replace(/\0/g, '').trim(), dataSetStart: meta.position ?? 0 };
  } catch {
    return null; // readHeader gives the reason
  }
}

/** Inflates a deflated data set (PS3.5 A.5) into at most `maxBytes`, refusing beyond. */
function inflateCapped(bytes: Buffer, dataSetStart: number, maxBytes: number): Buffer {
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(bytes.subarray(dataSetStart), { maxOutputLength: maxBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new RenderRefusal(`the deflated data set (from byte offset ${dataSetStart}) inflates to more than the cap of ${maxBytes / MIB} MiB`);
    }
    throw new RenderRefusal(`the deflated data set (from byte offset ${dataSetStart}) cannot be inflated: ${(e as Error).message ?? String(e)}`);
  }
  return Buffer.concat([bytes.subarray(0, dataSetStart), inflated]);
}

export async function loadImageDataset(fileBytes: Uint8Array, maxBytes: number): Promise<LoadedImage> {
  const bytes = asBuffer(fileBytes);
  const meta = readMeta(bytes);
  if (meta?.transferSyntaxUid === DEFLATED_LE) {
    const full = inflateCapped(bytes, meta.dataSetStart, maxBytes);
    let dataSet: DataSet;
    try {
      dataSet = dicomParser.parseDicom(full, { inflater: () => full });
    } catch (e) {
      const words = e instanceof RangeError ? 'sequences nested too deep to follow' : parserMessage(e);
      throw new RenderRefusal(`the inflated data set cannot be parsed: ${words}`);
    }
    const pixelElement = dataSet.elements.x7fe00010;
    if (!pixelElement) throw new RenderRefusal(pixelTagMissing(dataSet));
    return { dataSet, byteArray: dataSet.byteArray, transferSyntaxUid: DEFLATED_LE, pixelElement };
  }
  const header = await readHeader(async (position, length) => bytes.subarray(position, position + length), bytes, bytes.length);
  if (!header.ok) throw new RenderRefusal(header.reason);
  const element = header.pixelElement;
  if (!element) throw new RenderRefusal(pixelTagMissing(header.dataSet));
  if (element.tag !== 'x7fe00010') {
    const what = element.tag === 'x7fe00008' ? 'Float Pixel Data (7FE0,0008)' : 'Double Float Pixel Data (7FE0,0009)';
    throw new RenderRefusal(`${what}: floating-point images (parametric maps) are not rendered`);
  }
  return { dataSet: header.dataSet, byteArray: header.dataSet.byteArray, transferSyntaxUid: header.transferSyntaxUid, pixelElement: element };
}

function pixelTagMissing(dataSet: DataSet): string {
  const floats = dataSet.elements.x7fe00008 || dataSet.elements.x7fe00009;
  return floats ? 'floating-point pixel data (parametric map) is not rendered' : 'no Pixel Data (7FE0,0010) element';
}
