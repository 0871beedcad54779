import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { InflateFailure, inflateRawCapped } from '../compress/inflate-capped';
import type { ImportErrorCode } from '../contract/dicom';
import { isDicomUid } from '../contract/primitives';
import { MAX_SEQUENCE_DEPTH, NestingTooDeep, parseHeaderFast } from './fast-header';
import { nestingTooDeepAt } from './nesting-depth';
import { parserMessage, parserWords } from './parser-words';
import type { ReadRange } from './file-io';
import { nonImageReason } from './sop-class';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from './transfer-syntax';
import { metaElements, readFileMeta, VALID_VRS } from './file-meta';
import { tagLabel } from './tag-label';

/** A parsed header: every element up to (and including the start of) the pixel data. */
export interface HeaderRead {
  ok: true;
  dataSet: DataSet;
  transferSyntaxUid: string;
  /** False for a bare data set without the 128-byte preamble, "DICM" and file meta header. */
  hasPart10Header: boolean;
  /** The pixel data element (integer, float or double), if the file has one. */
  pixelElement: Element | null;
  /** Bytes of the file read to get the header. */
  bytesRead: number;
  /** The file's first `bytesRead` bytes, as read (not inflated). */
  fileBytes: Buffer;
  /** True when element offsets in `dataSet` are offsets into the file (not into an inflated copy). */
  offsetsAreFileOffsets: boolean;
}

export interface HeaderFailure {
  ok: false;
  code: ImportErrorCode;
  reason: string;
}

const PIXEL_DATA = 'x7fe00010';
const PIXEL_TAGS = [PIXEL_DATA, 'x7fe00008', 'x7fe00009'] as const;
/**
 * How much of a file is read first; grown (doubled) while the header is longer. A CT/MR header is
 * a few KB (the real CT series: 4.8 KB), so 16 KiB covers almost every file in one read without
 * copying pixel bytes we never look at.
 */
export const DEFAULT_PREFIX_BYTES = 16 * 1024;
/** A header is never read beyond this (a garbled length could otherwise pull a huge file into memory). */
const MAX_HEADER_BYTES = 128 * 2 ** 20;
const MAX_BARE_HEADER_BYTES = 2 ** 20;

export { parserMessage } from './parser-words';


/**
 * Guesses the encoding of a data set that starts at byte 0 (no preamble): the first tag must be a
 * low, even group (a real data set starts with group 0002 or 0008), read little or big endian.
 */
export function guessRawTransferSyntax(bytes: Uint8Array): string | null {
  if (bytes.length < 8) return null;
  const groupLE = bytes[0] | (bytes[1] << 8);
  const groupBE = (bytes[0] << 8) | bytes[1];
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  const plausibleGroup = (g: number): boolean => g >= 0x0002 && g <= 0x0010 && g % 2 === 0;
  if (plausibleGroup(groupLE)) {
    if (VALID_VRS.has(vr)) return EXPLICIT_LE;
    // Implicit VR: a 4-byte length follows the tag; the first elements of a real data set are short.
    const lengthLE = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16)) + bytes[7] * 2 ** 24;
    return lengthLE < 4096 ? IMPLICIT_LE : null;
  }
  if (plausibleGroup(groupBE) && VALID_VRS.has(vr)) return EXPLICIT_BE;
  return null;
}

const UID_PATTERN = /^[0-9]+(\.[0-9]+)+$/;

/** A bare data set is accepted only if it parsed into ascending tags with a SOP class or instance UID. */
function plausibleRawDataSet(dataSet: DataSet): boolean {
  // Group 0002 comes from the meta header merged in by the parser, not from the bytes.
  const tags = Object.keys(dataSet.elements).filter((tag) => !tag.startsWith('x0002'));
  if (tags.length < 3) return false;
  for (let i = 1; i < tags.length; i++) if (tags[i] <= tags[i - 1]) return false;
  const uid = dataSet.string('x00080018') ?? dataSet.string('x00080016');
  return uid !== undefined && UID_PATTERN.test(uid);
}

/**
 * Most bytes a deflated data set is inflated to while its header is read: the same as the most file
 * bytes read for a header. A 3 MB bomb inflating to gigabytes stops here (as a named refusal).
 */
export const MAX_INFLATED_HEADER_BYTES = MAX_HEADER_BYTES;

/** Inflates as much of a deflated data set as the bytes read so far allow, up to MAX_INFLATED_HEADER_BYTES (else InflateFailure). */
function inflatePartial(byteArray: Uint8Array, position: number): Uint8Array {
  const deflated = byteArray.subarray(position);
  const inflated = inflateRawCapped(deflated, MAX_INFLATED_HEADER_BYTES, true);
  const full = Buffer.allocUnsafe(position + inflated.length);
  full.set(byteArray.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

/** Where a Part 10 file's deflated data set starts, or null when the file is not deflated (or its meta header unreadable). */
function deflatedDataSetStart(bytes: Buffer): number | null {
  const meta = readFileMeta(bytes);
  return meta && meta.transferSyntaxUid === DEFLATED_LE && meta.dataSetStart > 0 ? meta.dataSetStart : null;
}

/** The InflateFailure inside what dicom-parser threw (it wraps what its inflater throws), if any. */
const inflateFailureIn = (e: unknown): InflateFailure | null =>
  e instanceof InflateFailure ? e : e && typeof e === 'object' && 'exception' in e ? inflateFailureIn((e as { exception: unknown }).exception) : null;

function inflateRefusal(failure: InflateFailure): string {
  const limit = `${MAX_INFLATED_HEADER_BYTES / 2 ** 20} MiB`;
  return failure.overCap
    ? `deflated data set (transfer syntax ${DEFLATED_LE}) inflates to more than ${limit} before its header ends (the limit for a header; a decompression bomb or a garbled header)`
    : `deflated data set (transfer syntax ${DEFLATED_LE}) cannot be inflated: ${failure.words}`;
}

const findPixelElement = (dataSet: DataSet): Element | null => {
  for (const tag of PIXEL_TAGS) {
    const element = dataSet.elements[tag];
    if (element) return element;
  }
  return null;
};

type Attempt =
  | { kind: 'parsed'; dataSet: DataSet; pixelElement: Element | null }
  | { kind: 'failed'; message: string; partial: DataSet | null }
  /** The file is refused whatever more of it is read. */
  | { kind: 'refused'; code: ImportErrorCode; reason: string };

/** V8's stack overflow, as dicom-parser's recursive sequence reader meets it on deeply nested items. */
// dicom-parser rethrows what it meets as `{ exception, dataSet }`.
const isStackOverflow = (e: unknown): boolean =>
  e instanceof RangeError ? /call stack/i.test(e.message) : !!e && typeof e === 'object' && 'exception' in e && isStackOverflow((e as { exception: unknown }).exception);

function attemptParse(bytes: Buffer, rawTransferSyntax: string | null): Attempt {
  // Most files: explicit VR little endian, header within the bytes read. Anything else, dicom-parser.
  let fast;
  try {
    fast = rawTransferSyntax ? null : parseHeaderFast(bytes);
  } catch (e) {
    if (e instanceof NestingTooDeep) return { kind: 'refused', code: 'malformed', reason: e.reason };
    throw e;
  }
  if (fast) return { kind: 'parsed', dataSet: fast.dataSet, pixelElement: fast.pixelElement };
  try {
    // dicom-parser reads the first data-set element before it sees the meta header has ended; in a deflated
    // file those are compressed bytes, which now and then look like a sequence (1 file in ~300 was refused).
    // So the data set is inflated first and the parser is handed the inflated copy.
    const deflatedStart = rawTransferSyntax ? null : deflatedDataSetStart(bytes);
    const input = deflatedStart === null ? bytes : inflatePartial(bytes, deflatedStart);
    const dataSet = dicomParser.parseDicom(input, {
      untilTag: PIXEL_DATA,
      inflater: deflatedStart === null ? inflatePartial : () => input,
      ...(rawTransferSyntax ? { TransferSyntaxUID: rawTransferSyntax } : {}),
    });
    // The same depth limit as the fast path, whatever dicom-parser's stack would have allowed (it only fails
    // thousands of levels down): a file is accepted or refused alike in every transfer syntax.
    if (hasSequence(dataSet)) {
      const found = deepNestingOffset(bytes, rawTransferSyntax);
      if (found) return { kind: 'refused', code: 'malformed', reason: `${new NestingTooDeep(found.offset).reason}${found.inflated ? ' (offset in the inflated data set)' : ''}` };
    }
    return { kind: 'parsed', dataSet, pixelElement: findPixelElement(dataSet) };
  } catch (e) {
    const inflateFailure = inflateFailureIn(e);
    if (inflateFailure) return { kind: 'refused', code: 'malformed', reason: inflateRefusal(inflateFailure) };
    // Files the fast path does not take (implicit VR, big endian, deflated) reach dicom-parser's recursion.
    if (isStackOverflow(e)) {
      const found = deepNestingOffset(bytes, rawTransferSyntax);
      if (found !== null) {
        const where = found.inflated ? ' (offset in the inflated data set)' : '';
        return { kind: 'refused', code: 'malformed', reason: `${new NestingTooDeep(found.offset).reason}${where}` };
      }
      return { kind: 'refused', code: 'malformed', reason: `sequence nesting too deep to follow (deeper than the parser's call stack allows)` };
    }
    const partial = e && typeof e === 'object' && 'dataSet' in e ? ((e as { dataSet: DataSet }).dataSet ?? null) : null;
    return { kind: 'failed', message: parserMessage(e), partial };
  }
}

/** Whether any top-level element is a sequence (read with items): only then can anything nest. */
const hasSequence = (dataSet: DataSet): boolean => Object.values(dataSet.elements).some((element) => element.items !== undefined);

/** Where a data set's sequences nest deeper than MAX_SEQUENCE_DEPTH (a deflated one: in its inflated bytes), or null. */
function deepNestingOffset(bytes: Buffer, rawTransferSyntax: string | null): { offset: number; inflated: boolean } | null {
  const meta = rawTransferSyntax ? { transferSyntaxUid: rawTransferSyntax, dataSetStart: 0 } : readFileMeta(bytes);
  if (!meta || (meta.dataSetStart <= 0 && !rawTransferSyntax)) return null;
  const inflated = meta.transferSyntaxUid === DEFLATED_LE;
  let data: Uint8Array = bytes;
  if (inflated) {
    try {
      data = inflatePartial(bytes, meta.dataSetStart);
    } catch {
      return null;
    }
  }
  const offset = nestingTooDeepAt(data, meta.dataSetStart, meta.transferSyntaxUid !== IMPLICIT_LE, MAX_SEQUENCE_DEPTH, meta.transferSyntaxUid !== EXPLICIT_BE);
  return offset === null ? null : { offset, inflated };
}

/**
 * Reads just enough of a file to parse its header: starting from the bytes already read from
 * its start (`firstBytes`), growing them while the parse runs off their end, and stopping at the
 * pixel data element so pixel bytes are never read.
 */
export async function readHeader(readRange: ReadRange, firstBytes: Buffer, fileSize: number): Promise<HeaderRead | HeaderFailure> {
  let bytes = firstBytes;
  if (fileSize === 0 || bytes.length === 0) return { ok: false, code: 'not_dicom', reason: 'empty file' };

  const hasPart10Header = bytes.length >= 132 && bytes.toString('latin1', 128, 132) === 'DICM';
  let rawTransferSyntax: string | null = null;
  if (!hasPart10Header) {
    rawTransferSyntax = guessRawTransferSyntax(bytes);
    if (!rawTransferSyntax) {
      return { ok: false, code: 'not_dicom', reason: 'no "DICM" marker at byte 128 and does not start like a DICOM data set' };
    }
  }

  for (;;) {
    const wholeFile = bytes.length >= fileSize;
    const attempt = attemptParse(bytes, rawTransferSyntax);
    if (attempt.kind === 'refused') return { ok: false, code: attempt.code, reason: attempt.reason };
    const partialPixel = attempt.kind === 'failed' && attempt.partial ? findPixelElement(attempt.partial) : null;

    if (attempt.kind === 'parsed' && (attempt.pixelElement || wholeFile)) {
      return finish(attempt.dataSet, attempt.pixelElement, bytes.length);
    }
    // A float pixel data element running past the prefix: the header is complete, stop reading.
    if (attempt.kind === 'failed' && attempt.partial && partialPixel && partialPixel.tag !== PIXEL_DATA) {
      return finish(attempt.partial, partialPixel, bytes.length);
    }
    if (wholeFile) {
      // Only reached for a failed parse of the complete file.
      return attempt.kind === 'failed' ? failure(attempt.message, attempt.partial) : failure('parse failed', null);
    }
    // The header goes on past what we read. Objects that are not images (SR, RT plans, PDFs...)
    // are all header: recognise them by the meta header instead of reading them in full.
    if (hasPart10Header) {
      const nonImage = nonImageReason(readFileMeta(bytes)?.sopClassUid ?? '');
      if (nonImage) return { ok: false, code: 'not_an_image', reason: nonImage };
    }
    // A bare data set's header is small; a "header" that keeps going is more likely random bytes.
    const limit = hasPart10Header ? MAX_HEADER_BYTES : MAX_BARE_HEADER_BYTES;
    if (bytes.length >= limit) {
      if (!hasPart10Header) return { ok: false, code: 'not_dicom', reason: 'no "DICM" marker at byte 128 and no DICOM data set in its first MiB' };
      return { ok: false, code: 'malformed', reason: `no pixel data within the first ${limit / 2 ** 20} MiB: header too long or garbled` };
    }
    const more = await readRange(bytes.length, Math.min(fileSize, Math.max(bytes.length * 2, 4096)) - bytes.length);
    if (more.length === 0) fileSize = bytes.length;
    bytes = Buffer.concat([bytes, more]);
  }

  function finish(dataSet: DataSet, pixelElement: Element | null, bytesRead: number): HeaderRead | HeaderFailure {
    if (!hasPart10Header && !plausibleRawDataSet(dataSet)) {
      return { ok: false, code: 'not_dicom', reason: 'no "DICM" marker at byte 128 and not a plausible bare DICOM data set' };
    }
    // A partial parse (a float pixel element past the prefix) holds no file meta elements: the meta header still says it.
    const transferSyntaxUid = (hasPart10Header ? (dataSet.string('x00020010') ?? readFileMeta(bytes)?.transferSyntaxUid) : rawTransferSyntax) ?? '';
    return {
      ok: true,
      dataSet,
      transferSyntaxUid: transferSyntaxUid.replace(/\0/g, '').trim(),
      hasPart10Header,
      pixelElement,
      bytesRead,
      fileBytes: bytes,
      offsetsAreFileOffsets: transferSyntaxUid.trim() !== DEFLATED_LE,
    };
  }

  function failure(message: string, partial: DataSet | null): HeaderFailure {
    if (!hasPart10Header) {
      return { ok: false, code: 'not_dicom', reason: `no "DICM" marker at byte 128 and not parseable as a bare DICOM data set (${parserWords(message)})` };
    }
    // (0002,0000) File Meta Information Group Length right after "DICM" says where the meta header ends.
    const hasGroupLength = bytes.length >= 144 && bytes.readUInt16LE(132) === 0x0002 && bytes.readUInt16LE(134) === 0x0000;
    if (hasGroupLength && 144 + bytes.readUInt32LE(140) > bytes.length) {
      return { ok: false, code: 'truncated', reason: `the file ends (${bytes.length} bytes) inside its file meta header` };
    }
    const metaProblem = metaElementOverrun(bytes);
    if (metaProblem) return { ok: false, code: 'malformed', reason: metaProblem };
    if (/0002,0010/.test(message)) {
      return { ok: false, code: 'missing_tag', reason: 'file meta header lacks Transfer Syntax UID (0002,0010)' };
    }
    const meta = readFileMeta(bytes);
    const nonImage = meta ? nonImageReason(meta.sopClassUid) : null;
    // Not an image either way; the reason stays the same however much of the file was read.
    if (nonImage) return { ok: false, code: 'not_an_image', reason: nonImage };
    if (meta) {
      const mismatch = encodingMismatch(bytes, meta.dataSetStart, meta.transferSyntaxUid);
      if (mismatch) return { ok: false, code: 'malformed', reason: mismatch };
    }
    const words = parserWords(message);
    if (runsPastEnd(message, partial, bytes.length)) {
      return { ok: false, code: 'truncated', reason: `the header runs past the end of the file (${bytes.length} bytes)${lastElementNote(partial)}: ${words}` };
    }
    return { ok: false, code: 'malformed', reason: `DICOM header cannot be parsed${lastElementNote(partial)}: ${words}` };
  }
}

/**
 * Where a failed parse got to: the last element it read (dicom-parser's messages name no tag and
 * seldom an offset). Offsets of a deflated data set are into the inflated bytes.
 */
function lastElementNote(partial: DataSet | null): string {
  if (!partial) return '';
  const tags = Object.keys(partial.elements).filter((tag) => !tag.startsWith('x0002'));
  const last = tags.length > 0 ? partial.elements[tags[tags.length - 1]] : undefined;
  if (!last || !/^x[0-9a-f]{8}$/.test(last.tag)) return '';
  const label = tagLabel(last.tag);
  return ` after element ${label} at byte ${last.dataOffset}`;
}

/**
 * The file meta header element (group 0002, explicit VR little endian) whose length runs past the
 * bytes read, in words with its tag and offset; null when every one fits. dicom-parser's own
 * message for it names no element.
 */
function metaElementOverrun(bytes: Buffer): string | null {
  for (const { at, element, valueAt, length } of metaElements(bytes)) {
    if (valueAt + length > bytes.length) {
      const tag = `(0002,${element.toString(16).padStart(4, '0').toUpperCase()})`;
      return `file meta header element ${tag} at byte ${at} claims ${length} bytes, past the end of the file (${bytes.length} bytes)`;
    }
  }
  return null;
}

/** An explicit-VR transfer syntax whose first data set element has no valid VR: the writer encoded it implicit. */
function encodingMismatch(bytes: Buffer, dataSetStart: number, transferSyntaxUid: string): string | null {
  if (transferSyntaxUid === IMPLICIT_LE || transferSyntaxUid === DEFLATED_LE || dataSetStart <= 0 || bytes.length < dataSetStart + 6) return null;
  const vr = bytes.toString('latin1', dataSetStart + 4, dataSetStart + 6);
  if (VALID_VRS.has(vr)) return null;
  const syntax = isDicomUid(transferSyntaxUid) ? transferSyntaxUid : `${JSON.stringify(transferSyntaxUid.slice(0, 40))} (not a UID)`;
  return `data set is not encoded as its transfer syntax ${syntax} says (explicit VR expected, found none at byte ${dataSetStart}); it looks implicit VR`;
}

/** Did the parse fail because an element or item claims more bytes than the file holds? */
function runsPastEnd(message: string, partial: DataSet | null, length: number): boolean {
  if (/maxP ?osition|past end of buffer|end of buffer|overread|eof encountered|not enough data/i.test(message)) return true;
  if (!/buffer overrun/.test(message) || !partial) return false;
  const elements = Object.values(partial.elements);
  const last = elements[elements.length - 1];
  // Overrun by a well-formed last element (known VR) is truncation; by a garbage tag it is not.
  return last !== undefined && (last.vr === undefined || VALID_VRS.has(last.vr)) && last.dataOffset + last.length > length;
}
