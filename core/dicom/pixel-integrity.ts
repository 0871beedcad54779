import type { ReadRange } from './file-io';
import type { HeaderRead } from './read-header';
import { tagLabel } from './tag-label';

const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xe000;
const SEQUENCE_DELIMITER = 0xe0dd;

/** File bytes at [position, position + length): from what the header read already holds, else from disk. */
function reader(readRange: ReadRange, header: HeaderRead): ReadRange {
  const held = header.fileBytes;
  return async (position, length) =>
    position + length <= held.length ? held.subarray(position, position + length) : readRange(position, length);
}

/**
 * Checks, without reading pixel bytes, that the pixel data the header announces is really in the
 * file: a native element must fit before end of file; an encapsulated one must have every
 * fragment complete (its item headers are walked with 8-byte reads). Returns what is wrong, or null.
 */
export async function pixelDataProblem(readRange: ReadRange, fileSize: number, header: HeaderRead): Promise<string | null> {
  const element = header.pixelElement;
  if (!element) return null;
  const tagName = tagLabel(element.tag);

  if (!header.offsetsAreFileOffsets) {
    // Deflated: offsets refer to the inflated stream, known in full only when the whole file was read.
    const inflatedLength = header.dataSet.byteArray.length;
    const complete = header.bytesRead >= fileSize;
    if (complete && element.length !== UNDEFINED_LENGTH && element.dataOffset + element.length > inflatedLength) {
      return `Pixel Data ${tagName} claims ${element.length} bytes but the inflated data set ends ${inflatedLength - element.dataOffset} bytes after its start`;
    }
    return null;
  }

  if (element.length !== UNDEFINED_LENGTH) {
    const end = element.dataOffset + element.length;
    return end > fileSize
      ? `Pixel Data ${tagName} claims ${element.length} bytes from offset ${element.dataOffset}, but the file ends at byte ${fileSize}`
      : null;
  }

  const readHeld = reader(readRange, header);
  // Encapsulated: the usual, complete file ends with the sequence delimiter; check that first.
  if (fileSize >= 8) {
    const tail = await readHeld(fileSize - 8, 8);
    if (tail.length === 8 && tail.readUInt16LE(0) === 0xfffe && tail.readUInt16LE(2) === SEQUENCE_DELIMITER && tail.readUInt32LE(4) === 0) {
      return null;
    }
  }
  let position = element.dataOffset;
  for (let fragmentIndex = 0; ; fragmentIndex++) {
    if (position === fileSize) return null; // complete fragments, delimiter missing: decoders tolerate that
    const itemHeader = await readHeld(position, 8);
    if (itemHeader.length < 8) {
      return `encapsulated Pixel Data is cut off at byte ${fileSize}, inside the header of item ${fragmentIndex}`;
    }
    const group = itemHeader.readUInt16LE(0);
    const elementNumber = itemHeader.readUInt16LE(2);
    const length = itemHeader.readUInt32LE(4);
    if (group !== 0xfffe || (elementNumber !== ITEM && elementNumber !== SEQUENCE_DELIMITER)) {
      return `encapsulated Pixel Data has an unexpected tag at byte ${position} (item ${fragmentIndex})`;
    }
    if (elementNumber === SEQUENCE_DELIMITER) return null;
    if (position + 8 + length > fileSize) {
      return `encapsulated Pixel Data item ${fragmentIndex} claims ${length} bytes from offset ${position + 8}, but the file ends at byte ${fileSize}`;
    }
    position += 8 + length;
  }
}
