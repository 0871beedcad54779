/**
 * A fast path for the common header: a Part 10 file whose data set is explicit VR little endian
 * (every transfer syntax but implicit VR, deflate and big endian), every element of it within the
 * bytes read, up to the Pixel Data (7FE0,0010) element. It walks the elements (and, structurally, the
 * sequences) without building dicom-parser's per-element objects for nested items, which was most of
 * the import's main-thread time, and hands back the same DataSet as
 * `dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' })`: the same top-level elements with the
 * same tag, VR, length and offset; a sequence's items are parsed by dicom-parser when first asked for.
 *
 * It gives up (null) wherever dicom-parser might do anything else: throw, warn, guess a length, stop
 * early, or decode differently. The caller then parses with dicom-parser as before, so every outcome
 * and every error reason outside the fast path is dicom-parser's own.
 */
import dicomParser, { type ByteArrayParser, type DataSet, type Element } from 'dicom-parser';
import { DEFLATED_LE, EXPLICIT_BE, IMPLICIT_LE } from './transfer-syntax';

const UNDEFINED_LENGTH = 0xffffffff;
const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;


/**
 * VR code (two ASCII letters as a 16-bit number, first letter high) → 4 when a 4-byte length
 * follows (after 2 reserved bytes), 2 when a 2-byte one does, 0 for anything else. Exactly
 * dicom-parser's split; OV, SV and UV (4-byte in the standard, 2-byte to dicom-parser) are left
 * out so those files take its path.
 */
const lengthBytesByVr = new Uint8Array(65536);
for (const vr of 'AE AS AT CS DA DS DT FD FL IS LO LT PN SH SL SS ST TM UI UL US'.split(' ')) lengthBytesByVr[vrCode(vr)] = 2;
for (const vr of 'OB OD OF OL OW SQ UC UN UR UT'.split(' ')) lengthBytesByVr[vrCode(vr)] = 4;
const SQ = vrCode('SQ');

function vrCode(vr: string): number {
  return (vr.charCodeAt(0) << 8) | vr.charCodeAt(1);
}

// dicom-parser's element keys ('x' + 8 hex digits) and VR strings, made once per distinct value.
const tagKeys = new Map<number, string>();
const tagKey = (tag: number): string => {
  let key = tagKeys.get(tag);
  if (key === undefined) {
    key = `x${tag.toString(16).padStart(8, '0')}`;
    if (tagKeys.size < 65536) tagKeys.set(tag, key);
  }
  return key;
};
const vrNames = new Map<number, string>();
const vrName = (vr: number): string => {
  let name = vrNames.get(vr);
  if (name === undefined) vrNames.set(vr, (name = String.fromCharCode(vr >>> 8, vr & 0xff)));
  return name;
};

/**
 * Sequences nested deeper than this are refused, not parsed: real files nest a handful of levels,
 * and a recursive parser (ours or dicom-parser's) runs out of call stack a few thousand deep.
 */
export const MAX_SEQUENCE_DEPTH = 64;

/** Thrown (out of parseHeaderFast) for a sequence nested deeper than MAX_SEQUENCE_DEPTH. */
export class NestingTooDeep {
  /** `offset`: the byte offset (in the bytes parsed) of the value of the sequence one level too deep. */
  constructor(readonly offset: number) {}
  get reason(): string {
    return `sequence nesting deeper than ${MAX_SEQUENCE_DEPTH} levels at byte offset ${this.offset}`;
  }
}

/** Stops the walk: dicom-parser might not parse these bytes the way the fast path would. */
class GiveUp {}
const giveUp = new GiveUp();

interface Walk {
  bytes: Uint8Array;
  /** Object mode (the meta header): top-level elements as dicom-parser's element objects. */
  elements: Record<string, Element> | null;
  /** Store mode (the data set): top-level elements as numbers, ELEMENT_STRIDE per element, in walk order. */
  store: Uint32Array;
  count: number;
  pixel: boolean;
  /** Sequences entered and not yet left. */
  depth: number;
}

/** Per stored element: tag, VR code | flags << 16, length (as dicom-parser records it), data offset. */
const ELEMENT_STRIDE = 4;
const HAD_UNDEFINED_LENGTH = 1 << 16;
/** One scratch store for every walk (the walk is synchronous); each header keeps a copy of its part. */
let scratch = new Uint32Array(1024 * ELEMENT_STRIDE);

function record(w: Walk, tag: number, vr: number, length: number, dataOffset: number, undefinedLength: boolean): void {
  if (w.elements) {
    const element = elementObject(w.bytes, tag, vr, length, dataOffset, undefinedLength);
    w.elements[element.tag] = element;
    return;
  }
  let at = w.count * ELEMENT_STRIDE;
  if (at + ELEMENT_STRIDE > w.store.length) {
    const grown = new Uint32Array(w.store.length * 2);
    grown.set(w.store);
    w.store = scratch = grown;
  }
  const store = w.store;
  store[at++] = tag;
  store[at++] = vr | (undefinedLength ? HAD_UNDEFINED_LENGTH : 0);
  store[at++] = length;
  store[at] = dataOffset;
  w.count++;
}

const u16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
const tagAt = (b: Uint8Array, at: number): number => ((u16(b, at) << 16) | u16(b, at + 2)) >>> 0;

/**
 * Walks the elements in [position, maxPosition) as dicom-parser's parseDicomDataSetExplicit does and
 * returns where it stopped. `top`: the data set itself (record elements, stop at pixel data).
 */
function walkElements(w: Walk, position: number, maxPosition: number, top: boolean): number {
  while (position < maxPosition && !w.pixel) position = walkElement(w, position, top);
  if (!w.pixel && position > maxPosition) throw giveUp; // dicom-parser: "buffer overrun"
  return position;
}

/** Mirrors readDicomElementExplicit for the element at `position`; returns the position after it. */
function walkElement(w: Walk, position: number, top: boolean): number {
  const b = w.bytes;
  if (position + 8 > b.length) throw giveUp;
  const tag = tagAt(b, position);
  const vr = (b[position + 4] << 8) | b[position + 5];
  const lengthBytes = lengthBytesByVr[vr];
  if (lengthBytes === 0) throw giveUp;
  let length: number;
  let dataOffset: number;
  if (lengthBytes === 2) {
    length = u16(b, position + 6);
    dataOffset = position + 8;
  } else {
    if (position + 12 > b.length) throw giveUp;
    length = u32(b, position + 8);
    dataOffset = position + 12;
  }
  if (top && tag === PIXEL_DATA) {
    // dicom-parser stops here, before following a sequence or an undefined length.
    record(w, tag, vr, length, dataOffset, length === UNDEFINED_LENGTH);
    w.pixel = true;
    return dataOffset;
  }
  if (vr === SQ) {
    const end = walkSequence(w, dataOffset, length);
    if (top) record(w, tag, vr, length === UNDEFINED_LENGTH ? end.delimiterAt - dataOffset : length, dataOffset, length === UNDEFINED_LENGTH);
    return end.position;
  }
  if (top) record(w, tag, vr, length, dataOffset, length === UNDEFINED_LENGTH);
  // Undefined length outside a sequence: dicom-parser searches for a delimiter (and may guess).
  if (length === UNDEFINED_LENGTH) throw giveUp;
  return dataOffset + length;
}

/** The element object dicom-parser would have made (a sequence's items parsed when first asked for). */
function elementObject(bytes: Uint8Array, tag: number, vr: number, length: number, dataOffset: number, undefinedLength: boolean): Element {
  if (vr === SQ) {
    const sequence = new SequenceElement(tagKey(tag), 'SQ', length, dataOffset, bytes, undefinedLength ? UNDEFINED_LENGTH : length);
    if (undefinedLength) sequence.hadUndefinedLength = true;
    return sequence as unknown as Element;
  }
  const element = { tag: tagKey(tag), vr: vrName(vr), length, dataOffset } as Element;
  if (undefinedLength) element.hadUndefinedLength = true;
  return element;
}

/** A top-level sequence: its items are parsed by dicom-parser on first use (the index never asks for them). */
class SequenceElement {
  hadUndefinedLength?: boolean;
  private parsedItems: Element['items'] | undefined;

  constructor(
    readonly tag: string,
    readonly vr: string,
    public length: number,
    readonly dataOffset: number,
    private readonly bytes: Uint8Array,
    private readonly storedLength: number,
  ) {}

  get items(): Element['items'] {
    if (!this.parsedItems) {
      const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, this.bytes, this.dataOffset);
      const copy = { tag: this.tag, vr: 'SQ', length: this.storedLength, dataOffset: this.dataOffset } as Element;
      dicomParser.readSequenceItemsExplicit(stream, copy, []);
      this.parsedItems = copy.items;
    }
    return this.parsedItems;
  }
}

/** Mirrors readSequenceItemsExplicit; returns where the stream stands after it (and, undefined length, where the delimiter was). */
function walkSequence(w: Walk, dataOffset: number, length: number): { position: number; delimiterAt: number } {
  if (w.depth >= MAX_SEQUENCE_DEPTH) throw new NestingTooDeep(dataOffset);
  w.depth++;
  const end = walkSequenceItems(w, dataOffset, length);
  w.depth--;
  return end;
}

function walkSequenceItems(w: Walk, dataOffset: number, length: number): { position: number; delimiterAt: number } {
  const b = w.bytes;
  let position = dataOffset;
  if (length === UNDEFINED_LENGTH) {
    while (position + 4 <= b.length) {
      if (tagAt(b, position) === SEQUENCE_DELIMITER) return { position: position + 8, delimiterAt: position };
      position = walkItem(w, position);
    }
    throw giveUp; // dicom-parser: "eof encountered before finding sequence delimitation tag" (a warning)
  }
  const maxPosition = dataOffset + length;
  while (position < maxPosition) position = walkItem(w, position);
  return { position, delimiterAt: position };
}

/** Mirrors readSequenceItemExplicit. */
function walkItem(w: Walk, position: number): number {
  const b = w.bytes;
  if (position + 8 > b.length) throw giveUp;
  if (tagAt(b, position) !== ITEM) throw giveUp; // dicom-parser: "item tag (FFFE,E000) not found"
  const length = u32(b, position + 4);
  const dataOffset = position + 8;
  if (length !== UNDEFINED_LENGTH) {
    const maxPosition = dataOffset + length;
    if (maxPosition > b.length) throw giveUp; // dicom-parser: "invalid value for parameter 'maxPosition'"
    return walkElements(w, dataOffset, maxPosition, false);
  }
  // Undefined length: elements up to the item delimiter, which dicom-parser reads as an element
  // with an empty VR and a 2-byte length (8 bytes in all when that length is 0).
  position = dataOffset;
  while (position < b.length) {
    if (position + 8 <= b.length && tagAt(b, position) === ITEM_DELIMITER) {
      if (u32(b, position + 4) !== 0) throw giveUp;
      return position + 8;
    }
    position = walkElement(w, position, false);
  }
  throw giveUp; // dicom-parser: "eof encountered before finding item delimiter tag" (a warning)
}

// dicom-parser exports its DataSet class, though its typings declare only the interface.
type DataSetConstructor = new (parser: ByteArrayParser, bytes: Uint8Array, elements: Record<string, Element>) => DataSet;
const DataSetClass = (dicomParser as unknown as { DataSet: DataSetConstructor }).DataSet;

/** dicom-parser's readFixedString (bytes as latin1 up to the first NUL), in one native decode. */
function fixedString(bytes: Buffer, position: number, length: number): string {
  // dicom-parser's own failures (it throws strings).
  if (length < 0) throw 'dicomParser.readFixedString - length cannot be less than 0';
  if (position + length > bytes.length) throw 'dicomParser.readFixedString: attempt to read past end of buffer';
  const text = bytes.toString('latin1', position, position + length);
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

// Tag keys as the accessors are asked for them ('x00100010') → the tag as a number.
const tagNumbers = new Map<string, number>();
function tagNumberOf(key: string): number {
  let tag = tagNumbers.get(key);
  if (tag === undefined) {
    tag = key.length === 9 && key.charCodeAt(0) === 120 && /^x[0-9a-f]{8}$/.test(key) ? parseInt(key.slice(1), 16) : -1;
    if (tagNumbers.size < 65536) tagNumbers.set(key, tag);
  }
  return tag;
}

/**
 * dicom-parser's DataSet, its data set elements kept as numbers until `elements` is first read
 * (then made, once, exactly as dicom-parser makes them): the index reads a dozen values of ~150
 * elements, and making every element object was most of the parse's allocations. string() (which
 * floatString and intString call), floatString, intString and uint16 answer from the numbers, with
 * dicom-parser's results; every other accessor goes through `elements`.
 */
class FastDataSet extends (DataSetClass as unknown as new (parser: ByteArrayParser, bytes: Uint8Array, elements: Record<string, Element> | undefined) => { byteArray: Uint8Array }) {
  private made: Record<string, Element> | undefined;
  private readonly store: Uint32Array;
  private readonly count: number;
  /** Strictly ascending tags (every well-formed data set): binary search; else the last match wins, as in a record. */
  private readonly ascending: boolean;
  private readonly meta: Record<string, Element>;
  /** The values of the multi-valued element last read by index, and where it lies. */
  private splitValues: string[] | null = null;
  private splitOffset = -1;
  private splitLength = -1;
  /** The pixel data's element object, handed out before `elements` is made, and the same object in it. */
  readonly pixelElement: Element;

  constructor(bytes: Uint8Array, store: Uint32Array, count: number, meta: Record<string, Element>) {
    super(dicomParser.littleEndianByteArrayParser, bytes, undefined);
    this.store = store;
    this.count = count;
    this.meta = meta;
    let ascending = true;
    for (let i = 1; i < count && ascending; i++) ascending = store[i * ELEMENT_STRIDE] > store[(i - 1) * ELEMENT_STRIDE];
    this.ascending = ascending;
    this.pixelElement = this.objectAt(count - 1);
  }

  get elements(): Record<string, Element> {
    if (!this.made) {
      const elements: Record<string, Element> = {};
      for (let i = 0; i < this.count; i++) {
        const element = i === this.count - 1 ? this.pixelElement : this.objectAt(i);
        elements[element.tag] = element;
      }
      // As parseDicom: the meta header's elements are merged in, over any of the same tag.
      for (const key of Object.keys(this.meta)) elements[key] = this.meta[key];
      this.made = elements;
    }
    return this.made;
  }

  set elements(value: Record<string, Element>) {
    this.made = value;
  }

  /** A new element object for store index `i`. */
  private objectAt(i: number): Element {
    const s = this.store;
    const at = i * ELEMENT_STRIDE;
    return elementObject(this.byteArray, s[at], s[at + 1] & 0xffff, s[at + 2], s[at + 3], (s[at + 1] & HAD_UNDEFINED_LENGTH) !== 0);
  }

  /** Store index of the data set element `key` (not a meta one), or -1. */
  private indexOf(key: string): number {
    const tag = tagNumberOf(key);
    if (tag < 0) return -1;
    const s = this.store;
    if (this.ascending) {
      let low = 0;
      let high = this.count - 1;
      while (low <= high) {
        const mid = (low + high) >> 1;
        const at = s[mid * ELEMENT_STRIDE];
        if (at === tag) return mid;
        if (at < tag) low = mid + 1;
        else high = mid - 1;
      }
      return -1;
    }
    for (let i = this.count - 1; i >= 0; i--) if (s[i * ELEMENT_STRIDE] === tag) return i;
    return -1;
  }

  /**
   * Where element `key`'s value lies ([dataOffset, length]), written into `into`; false when there
   * is no such element. Only while `elements` is unmade (after that the objects, which callers may
   * change, decide; the pixel element, made earlier, holds no value the accessors read).
   */
  private locate(key: string, into: { dataOffset: number; length: number }): boolean {
    const meta = this.meta[key];
    if (meta) {
      into.dataOffset = meta.dataOffset;
      into.length = meta.length;
      return true;
    }
    const i = this.indexOf(key);
    if (i < 0) return false;
    into.dataOffset = this.store[i * ELEMENT_STRIDE + 3];
    into.length = this.store[i * ELEMENT_STRIDE + 2];
    return true;
  }

  /** The element's length, or undefined when absent: `elements[key]?.length` without making the elements. */
  lengthOf(key: string): number | undefined {
    if (this.made) return this.made[key]?.length;
    return this.locate(key, found) ? found.length : undefined;
  }

  string(tag: string, index?: number): string | undefined {
    if (this.made) return this.stringOf(this.made[tag] as (Element & { Value?: string }) | undefined, index);
    if (!this.locate(tag, found) || found.length <= 0) return undefined;
    if (!((index as number) >= 0)) return valueString(this.byteArray as Buffer, found.dataOffset, found.length, undefined);
    // A multi-valued element is read value by value (position, orientation): split it once.
    if (this.splitOffset !== found.dataOffset || this.splitLength !== found.length || !this.splitValues) {
      this.splitValues = fixedString(this.byteArray as Buffer, found.dataOffset, found.length).split('\\');
      this.splitOffset = found.dataOffset;
      this.splitLength = found.length;
    }
    return this.splitValues[index as number].trim();
  }

  private stringOf(element: (Element & { Value?: string }) | undefined, index?: number): string | undefined {
    if (element && element.Value) return element.Value;
    if (element && element.length > 0) return valueString(this.byteArray as Buffer, element.dataOffset, element.length, index);
    return undefined;
  }

  floatString(tag: string, index?: number): number | undefined {
    const length = this.lengthOf(tag);
    if (length === undefined || !(length > 0)) return undefined;
    const value = this.string(tag, index ?? 0);
    return value !== undefined ? parseFloat(value) : undefined;
  }

  intString(tag: string, index?: number): number | undefined {
    const length = this.lengthOf(tag);
    if (length === undefined || !(length > 0)) return undefined;
    const value = this.string(tag, index ?? 0);
    return value !== undefined ? parseInt(value) : undefined;
  }

  uint16(tag: string, index?: number): number | undefined {
    if (this.made) return (DataSetClass.prototype as unknown as { uint16: (this: unknown, t: string, i?: number) => number | undefined }).uint16.call(this, tag, index);
    if (!this.locate(tag, found) || found.length === 0) return undefined;
    return dicomParser.littleEndianByteArrayParser.readUint16(this.byteArray, found.dataOffset + (index ?? 0) * 2);
  }
}

const found = { dataOffset: 0, length: 0 };

/** dicom-parser's DataSet.string() result for a value at [position, + length), length > 0. */
function valueString(bytes: Buffer, position: number, length: number, index: number | undefined): string {
  const text = fixedString(bytes, position, length);
  if ((index as number) >= 0) return text.split('\\')[index as number].trim();
  return text.trim();
}

/**
 * Mirrors dicom-parser's readPart10Header: "DICM" at 128, then group 0002 elements (explicit VR
 * little endian) up to the first element beyond it, which is read too (and must read cleanly) but
 * not kept. Returns the meta elements and where the data set starts.
 */
function walkMeta(bytes: Buffer): { elements: Record<string, Element>; dataSetStart: number } {
  if (bytes.length < 132 || fixedString(bytes, 128, 4) !== 'DICM') throw giveUp;
  const elements: Record<string, Element> = {};
  const meta: Walk = { bytes, elements, store: scratch, count: 0, pixel: false, depth: 0 };
  let position = 132;
  for (;;) {
    if (position + 4 > bytes.length) throw giveUp; // all meta header, or cut inside it
    const tag = tagAt(bytes, position);
    if (tag > 0x0002ffff) {
      if (tag === PIXEL_DATA) throw giveUp; // read there without stopping at it: dicom-parser's business
      walkElement(meta, position, false);
      break;
    }
    position = walkElement(meta, position, true);
  }
  for (const element of Object.values(elements)) element.parser = dicomParser.littleEndianByteArrayParser;
  return { elements, dataSetStart: position };
}

/** `dataSet.elements[tag]?.length`, without making a fast header's element objects. */
export function elementLength(dataSet: DataSet, tag: string): number | undefined {
  return dataSet instanceof FastDataSet ? dataSet.lengthOf(tag) : dataSet.elements[tag]?.length;
}

export interface FastHeader {
  dataSet: DataSet;
  pixelElement: Element;
}

/**
 * The header parsed the fast way, or null when this file (or these first bytes of it) should go
 * through dicom-parser. `bytes` starts at the file's first byte (preamble and "DICM" included).
 * Throws NestingTooDeep for sequences nested deeper than MAX_SEQUENCE_DEPTH (the file is refused).
 */
export function parseHeaderFast(bytes: Buffer): FastHeader | null {
  const w: Walk = { bytes, elements: null, store: scratch, count: 0, pixel: false, depth: 0 };
  let meta: { elements: Record<string, Element>; dataSetStart: number };
  try {
    meta = walkMeta(bytes);
    const transferSyntax = meta.elements.x00020010;
    if (!transferSyntax) return null;
    const uid = fixedString(bytes, transferSyntax.dataOffset, transferSyntax.length);
    // The transfer syntaxes dicom-parser reads other than as explicit VR little endian (compared as it does, unpadded).
    if (uid === IMPLICIT_LE || uid === DEFLATED_LE || uid === EXPLICIT_BE) return null;
    walkElements(w, meta.dataSetStart, bytes.length, true);
  } catch (e) {
    if (e instanceof NestingTooDeep) throw e;
    if (e === giveUp || e instanceof Error || typeof e === 'string') return null;
    throw e;
  }
  if (!w.pixel) return null; // the header may go on past these bytes: dicom-parser's path decides
  const dataSet = new FastDataSet(bytes, w.store.slice(0, w.count * ELEMENT_STRIDE), w.count, meta.elements);
  const asDataSet = dataSet as unknown as DataSet;
  asDataSet.warnings = [];
  // The pixel data is the last element walked (meta elements are all group 0002).
  return { dataSet: asDataSet, pixelElement: dataSet.pixelElement };
}
