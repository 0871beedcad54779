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

/** Stops the walk: dicom-parser might not parse these bytes the way the fast path would. */
class GiveUp {}
const giveUp = new GiveUp();

interface Walk {
  bytes: Uint8Array;
  /** Top-level elements found so far (only the top level is recorded). */
  elements: Record<string, Element>;
  pixel: Element | null;
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
    const element = newElement(tag, vr, length, dataOffset);
    w.elements[element.tag] = element;
    w.pixel = element;
    return dataOffset;
  }
  if (vr === SQ) {
    const end = walkSequence(w, dataOffset, length);
    if (top) {
      const sequence = new SequenceElement(tagKey(tag), 'SQ', length === UNDEFINED_LENGTH ? end.delimiterAt - dataOffset : length, dataOffset, b, length);
      if (length === UNDEFINED_LENGTH) sequence.hadUndefinedLength = true;
      w.elements[sequence.tag] = sequence as unknown as Element;
    }
    return end.position;
  }
  if (top) {
    const element = newElement(tag, vr, length, dataOffset);
    w.elements[element.tag] = element;
  }
  // Undefined length outside a sequence: dicom-parser searches for a delimiter (and may guess).
  if (length === UNDEFINED_LENGTH) throw giveUp;
  return dataOffset + length;
}

function newElement(tag: number, vr: number, length: number, dataOffset: number): Element {
  const element: Element = { tag: tagKey(tag), vr: vrName(vr), length, dataOffset } as Element;
  if (length === UNDEFINED_LENGTH) element.hadUndefinedLength = true;
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
  if (length < 0) throw new Error('fixedString: length cannot be less than 0');
  if (position + length > bytes.length) throw new Error('fixedString: attempt to read past end of buffer');
  const text = bytes.toString('latin1', position, position + length);
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** dicom-parser's DataSet with its string() (which floatString and intString call) decoding natively; same results. */
class FastDataSet extends (DataSetClass as unknown as new (parser: ByteArrayParser, bytes: Uint8Array, elements: Record<string, Element>) => { elements: Record<string, Element>; byteArray: Uint8Array }) {
  string(tag: string, index?: number): string | undefined {
    const element = this.elements[tag] as Element & { Value?: string };
    if (element && element.Value) return element.Value;
    if (element && element.length > 0) {
      const text = fixedString(this.byteArray as Buffer, element.dataOffset, element.length);
      if ((index as number) >= 0) return text.split('\\')[index as number].trim();
      return text.trim();
    }
    return undefined;
  }
}

/**
 * Mirrors dicom-parser's readPart10Header: "DICM" at 128, then group 0002 elements (explicit VR
 * little endian) up to the first element beyond it, which is read too (and must read cleanly) but
 * not kept. Returns the meta elements and where the data set starts.
 */
function walkMeta(bytes: Buffer): { elements: Record<string, Element>; dataSetStart: number } {
  if (bytes.length < 132 || fixedString(bytes, 128, 4) !== 'DICM') throw giveUp;
  const meta: Walk = { bytes, elements: {}, pixel: null };
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
  for (const element of Object.values(meta.elements)) element.parser = dicomParser.littleEndianByteArrayParser;
  return { elements: meta.elements, dataSetStart: position };
}

export interface FastHeader {
  dataSet: DataSet;
  pixelElement: Element;
}

/**
 * The header parsed the fast way, or null when this file (or these first bytes of it) should go
 * through dicom-parser. `bytes` starts at the file's first byte (preamble and "DICM" included).
 */
export function parseHeaderFast(bytes: Buffer): FastHeader | null {
  const w: Walk = { bytes, elements: {}, pixel: null };
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
    if (e === giveUp || e instanceof Error) return null;
    throw e;
  }
  if (!w.pixel) return null; // the header may go on past these bytes: dicom-parser's path decides
  // As parseDicom: the meta header's elements are merged in, over any of the same tag.
  for (const key of Object.keys(meta.elements)) w.elements[key] = meta.elements[key];
  const dataSet = new FastDataSet(dicomParser.littleEndianByteArrayParser, bytes, w.elements) as unknown as DataSet;
  dataSet.warnings = [];
  return { dataSet, pixelElement: w.pixel };
}
