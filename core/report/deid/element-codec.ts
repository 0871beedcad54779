// A DICOM data set as a tree of byte ranges, and the pieces to write one back. The de-identifier reads
// every element this way (unknown and private ones too) and copies whatever it keeps byte for byte from
// the source, so nothing it does not mean to change can change: pixel data, encapsulated fragments,
// number formatting, padding and value order stay exactly as they were. Little endian (explicit or
// implicit VR) and explicit VR big endian; lengths of sequences and items are kept defined or
// undefined as they were.
import { createRequire } from 'node:module';

export interface Syntax {
  explicit: boolean;
  littleEndian: boolean;
}

export const IMPLICIT_LITTLE: Syntax = { explicit: false, littleEndian: true };

export interface DataElement {
  /** (group << 16 | element), unsigned. */
  tag: number;
  /** VR from the explicit header; for implicit syntax the dictionary's (null when the tag is not in it). */
  vr: string | null;
  /** The whole element in the source: header, value and (undefined length) its sequence delimiter. */
  start: number;
  end: number;
  valueStart: number;
  /** Value bytes; for undefined length, up to the sequence delimiter. */
  valueLength: number;
  undefinedLength: boolean;
  /** The items when the element is a sequence (SQ, or UN / an unknown implicit element holding items). */
  items: DataItem[] | null;
  /** How the items are encoded: implicit little endian inside a UN of undefined length (PS3.5 6.2.2). */
  itemSyntax: Syntax;
}

export interface DataItem {
  start: number;
  end: number;
  undefinedLength: boolean;
  elements: DataElement[];
}

/** The bytes do not form a data set; `offset` is where reading stopped, from the start of the data set. */
export class DataSetFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A replacement value too long for its VR's length field (e.g. a long UID list after mapping). */
export class ValueTooLongError extends Error {}

const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const UNDEFINED_LENGTH = 0xffffffff;
export const PIXEL_DATA_TAG = 0x7fe00010;
/** VRs with the 4-byte length form in explicit syntax (PS3.5 Table 7.1-1). */
export const LONG_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
/** Sequences nested deeper than this are refused (untrusted input: bounded recursion). */
export const MAX_NESTING = 32;

export const tagText = (tag: number): string => {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
};

const require = createRequire(import.meta.url);
const dictionary = (require('dcmjs') as { data: { DicomMetaDictionary: { dictionary: Record<string, { vr?: string } | undefined> } } }).data.DicomMetaDictionary
  .dictionary;
const dictionaryVrs = new Map<number, string | null>();

/** The data dictionary's VR for a standard tag (implicit syntax carries none), null when it has none. */
export function dictionaryVr(tag: number): string | null {
  let vr = dictionaryVrs.get(tag);
  if (vr === undefined) {
    const found = dictionary[tagText(tag)]?.vr;
    vr = found && /^[A-Z]{2}$/.test(found) ? found : null;
    dictionaryVrs.set(tag, vr);
  }
  return vr;
}

/** Unsigned words of the data set in its byte order (one per syntax, shared by the whole parse). */
class Words {
  private readonly view: DataView;

  constructor(
    bytes: Uint8Array,
    private readonly little: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u16(at: number): number {
    return this.view.getUint16(at, this.little);
  }

  u32(at: number): number {
    return this.view.getUint32(at, this.little);
  }

  tag(at: number): number {
    return ((this.view.getUint16(at, this.little) << 16) | this.view.getUint16(at + 2, this.little)) >>> 0;
  }
}

/** The parse of one data set: its bytes and their words in each byte order met (implicit little endian inside UN). */
interface Parse {
  bytes: Uint8Array;
  words: (syntax: Syntax) => Words;
}

function parseOf(bytes: Uint8Array): Parse {
  let little: Words | undefined;
  let big: Words | undefined;
  return { bytes, words: (syntax) => (syntax.littleEndian ? (little ??= new Words(bytes, true)) : (big ??= new Words(bytes, false))) };
}

/** Reads the elements of a data set in bytes[start, end), every sequence down to its items. */
export function parseDataSet(bytes: Uint8Array, start: number, end: number, syntax: Syntax): DataElement[] {
  return parseElements(parseOf(bytes), start, end, syntax, 0, false).elements;
}

/** `delimited`: the elements of an undefined-length item, which end at its item delimiter. */
function parseElements(parse: Parse, start: number, end: number, syntax: Syntax, depth: number, delimited: boolean): { elements: DataElement[]; next: number } {
  const { bytes } = parse;
  const words = parse.words(syntax);
  const elements: DataElement[] = [];
  let at = start;
  while (at < end) {
    if (at + 8 > end) throw new DataSetFormatError(`${end - at} stray byte(s) where an element header (8 bytes) should start`, at);
    const tag = words.tag(at);
    if (tag === ITEM_DELIMITER && delimited) return { elements, next: at + 8 };
    if (tag === ITEM || tag === ITEM_DELIMITER || tag === SEQUENCE_DELIMITER) {
      throw new DataSetFormatError(`item tag ${tagText(tag)} where an element should be`, at);
    }
    let vr: string | null;
    let length: number;
    let valueStart: number;
    if (syntax.explicit) {
      vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
      if (!/^[A-Z]{2}$/.test(vr)) throw new DataSetFormatError(`element ${tagText(tag)} has no valid VR (bytes '${vr}')`, at);
      if (LONG_VRS.has(vr)) {
        if (at + 12 > end) throw new DataSetFormatError(`element ${tagText(tag)} header runs past the end`, at);
        length = words.u32(at + 8);
        valueStart = at + 12;
      } else {
        length = words.u16(at + 6);
        valueStart = at + 8;
      }
    } else {
      vr = dictionaryVr(tag);
      length = words.u32(at + 4);
      valueStart = at + 8;
    }
    const element: DataElement = { tag, vr, start: at, end: 0, valueStart, valueLength: 0, undefinedLength: length === UNDEFINED_LENGTH, items: null, itemSyntax: syntax };
    if (length === UNDEFINED_LENGTH) {
      if (tag === PIXEL_DATA_TAG) {
        element.end = skipFragments(parse, valueStart, end, syntax);
        element.valueLength = element.end - 8 - valueStart;
      } else {
        if (syntax.explicit && vr !== 'SQ' && vr !== 'UN') throw new DataSetFormatError(`element ${tagText(tag)} (${vr}) has an undefined length`, at);
        if (depth >= MAX_NESTING) throw new DataSetFormatError(`sequences nest deeper than ${MAX_NESTING} levels at ${tagText(tag)}`, at);
        element.itemSyntax = syntax.explicit && vr === 'UN' ? IMPLICIT_LITTLE : syntax;
        const parsed = parseItems(parse, valueStart, end, element.itemSyntax, depth + 1, true);
        element.items = parsed.items;
        element.end = parsed.next;
        element.valueLength = parsed.next - 8 - valueStart;
      }
    } else {
      const valueEnd = valueStart + length;
      if (valueEnd > end) throw new DataSetFormatError(`element ${tagText(tag)} declares ${length} bytes but only ${end - valueStart} remain`, at);
      element.valueLength = length;
      element.end = valueEnd;
      const implicitItems = !syntax.explicit && (vr === 'SQ' || (vr === null && length >= 8 && words.tag(valueStart) === ITEM));
      if (vr === 'SQ' || implicitItems) {
        if (depth >= MAX_NESTING) throw new DataSetFormatError(`sequences nest deeper than ${MAX_NESTING} levels at ${tagText(tag)}`, at);
        try {
          element.items = parseItems(parse, valueStart, valueEnd, syntax, depth + 1, false).items;
        } catch (e) {
          // An unknown implicit element that merely starts like an item stays an opaque value.
          if (vr === 'SQ' || !(e instanceof DataSetFormatError)) throw e;
        }
      }
    }
    elements.push(element);
    at = element.end;
  }
  if (delimited) throw new DataSetFormatError('an item of undefined length has no item delimiter', end);
  return { elements, next: at };
}

function parseItems(parse: Parse, start: number, end: number, syntax: Syntax, depth: number, delimited: boolean): { items: DataItem[]; next: number } {
  const words = parse.words(syntax);
  const items: DataItem[] = [];
  let at = start;
  for (;;) {
    if (!delimited && at >= end) return { items, next: at };
    if (at + 8 > end) throw new DataSetFormatError(delimited ? 'a sequence of undefined length has no sequence delimiter' : 'a sequence ends inside an item header', at);
    const tag = words.tag(at);
    if (tag === SEQUENCE_DELIMITER && delimited) return { items, next: at + 8 };
    if (tag !== ITEM) throw new DataSetFormatError(`${tagText(tag)} inside a sequence where an item should be`, at);
    const length = words.u32(at + 4);
    if (length === UNDEFINED_LENGTH) {
      const parsed = parseElements(parse, at + 8, end, syntax, depth, true);
      items.push({ start: at, end: parsed.next, undefinedLength: true, elements: parsed.elements });
      at = parsed.next;
    } else {
      if (at + 8 + length > end) throw new DataSetFormatError(`an item declares ${length} bytes but only ${end - at - 8} remain`, at);
      const { elements } = parseElements(parse, at + 8, at + 8 + length, syntax, depth, false);
      items.push({ start: at, end: at + 8 + length, undefinedLength: false, elements });
      at += 8 + length;
    }
  }
}

/** Encapsulated pixel data: items (the offset table and fragments) up to the sequence delimiter; returns the end. */
function skipFragments(parse: Parse, start: number, end: number, syntax: Syntax): number {
  const words = parse.words(syntax);
  let at = start;
  while (at + 8 <= end) {
    const tag = words.tag(at);
    if (tag === SEQUENCE_DELIMITER) return at + 8;
    const length = words.u32(at + 4);
    if (tag !== ITEM || length === UNDEFINED_LENGTH || at + 8 + length > end) throw new DataSetFormatError('encapsulated pixel data: a fragment is malformed or runs past the end', at);
    at += 8 + length;
  }
  throw new DataSetFormatError('encapsulated pixel data has no sequence delimiter', at);
}

/** An element's value as text (Latin-1 bytes; the trailing space or NUL padding removed). */
export function valueText(bytes: Uint8Array, element: DataElement): string {
  let end = element.valueStart + element.valueLength;
  while (end > element.valueStart && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0)) end--;
  return Buffer.from(bytes.buffer, bytes.byteOffset + element.valueStart, end - element.valueStart).toString('latin1');
}

/** Text as a value of `vr`: Latin-1 bytes padded to even length (UI with NUL, the rest with a space). */
export function encodeText(text: string, vr: string | null): Uint8Array {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length % 2 === 0) return bytes;
  return Buffer.concat([bytes, Buffer.from([vr === 'UI' ? 0 : 0x20])]);
}

/** Collects output chunks without copying them until the end. */
export class ByteSink {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  append(other: ByteSink): void {
    for (const chunk of other.chunks) this.chunks.push(chunk);
    this.length += other.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeTag(view: DataView, tag: number, little: boolean): void {
  view.setUint16(0, tag >>> 16, little);
  view.setUint16(2, tag & 0xffff, little);
}

/**
 * An element header in the syntax: explicit VR with the short or long length form its VR takes,
 * or implicit (tag and 4-byte length). `length` null: undefined length.
 */
export function elementHeader(tag: number, vr: string | null, length: number | null, syntax: Syntax): Uint8Array {
  const declared = length === null ? UNDEFINED_LENGTH : length;
  const little = syntax.littleEndian;
  if (!syntax.explicit) {
    const header = new Uint8Array(8);
    const view = new DataView(header.buffer);
    writeTag(view, tag, little);
    view.setUint32(4, declared, little);
    return header;
  }
  const explicitVr = vr ?? 'UN';
  const long = LONG_VRS.has(explicitVr);
  if (!long && declared > 0xffff) throw new ValueTooLongError(`${tagText(tag)}: its new ${explicitVr} value of ${declared} bytes does not fit the 2-byte length its VR has`);
  const header = new Uint8Array(long ? 12 : 8);
  const view = new DataView(header.buffer);
  writeTag(view, tag, little);
  header[4] = explicitVr.charCodeAt(0);
  header[5] = explicitVr.charCodeAt(1);
  if (long) view.setUint32(8, declared, little);
  else view.setUint16(6, declared, little);
  return header;
}

/** An item header (length null: undefined), or an item / sequence delimiter. */
export function itemHeader(length: number | null, syntax: Syntax): Uint8Array {
  return markerOf(ITEM, length === null ? UNDEFINED_LENGTH : length, syntax);
}

export const itemDelimiter = (syntax: Syntax): Uint8Array => markerOf(ITEM_DELIMITER, 0, syntax);
export const sequenceDelimiter = (syntax: Syntax): Uint8Array => markerOf(SEQUENCE_DELIMITER, 0, syntax);

function markerOf(tag: number, length: number, syntax: Syntax): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  writeTag(view, tag, syntax.littleEndian);
  view.setUint32(4, length, syntax.littleEndian);
  return bytes;
}

/** A whole element with a text value. */
export function textElement(tag: number, vr: string, text: string, syntax: Syntax): Uint8Array {
  const value = encodeText(text, vr);
  return Buffer.concat([elementHeader(tag, vr, value.length, syntax), value]);
}
