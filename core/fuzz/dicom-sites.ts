/**
 * Where a DICOM data set's elements lie in its bytes (header, length field, value), found by a
 * walk of our own, so mutations can aim at length fields, VRs and values. The walk is lenient: it
 * stops where the bytes stop making sense; it never throws.
 */
const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));
const MAX_SITES = 20_000;

export interface ElementSite {
  tag: number;
  /** The VR as written (explicit VR) or null (implicit VR, items). */
  vr: string | null;
  headerAt: number;
  lengthAt: number;
  lengthBytes: 2 | 4;
  littleEndian: boolean;
  valueAt: number;
  /** The length as written (0xFFFFFFFF: undefined). */
  length: number;
  /** An item (FFFE,E000) header rather than an element. */
  item: boolean;
}

export interface Encoding {
  explicit: boolean;
  littleEndian: boolean;
}

const readU16 = (b: Uint8Array, at: number, le: boolean): number => (le ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1]);
const readU32 = (b: Uint8Array, at: number, le: boolean): number =>
  le ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000 : b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
const readTag = (b: Uint8Array, at: number, le: boolean): number => ((readU16(b, at, le) << 16) | readU16(b, at + 2, le)) >>> 0;

/** Sites of the elements in bytes [start, end), sequences and items included, in file order. */
export function elementSites(bytes: Uint8Array, start: number, end: number, encoding: Encoding): ElementSite[] {
  const sites: ElementSite[] = [];
  walk(bytes, start, Math.min(end, bytes.length), encoding, sites, 0);
  return sites;
}

function walk(b: Uint8Array, start: number, end: number, enc: Encoding, sites: ElementSite[], depth: number): number {
  let at = start;
  while (at + 8 <= end && sites.length < MAX_SITES) {
    const le = enc.littleEndian || readU16(b, at, true) === 0x0002; // the meta group is always little endian
    const tag = readTag(b, at, le);
    if (tag === ITEM_DELIMITER || tag === SEQUENCE_DELIMITER) return at + 8;
    if (tag === ITEM) {
      const length = readU32(b, at + 4, le);
      sites.push({ tag, vr: null, headerAt: at, lengthAt: at + 4, lengthBytes: 4, littleEndian: le, valueAt: at + 8, length, item: true });
      const itemEnd = length === UNDEFINED_LENGTH ? end : at + 8 + length;
      const after = depth < 64 ? walk(b, at + 8, Math.min(itemEnd, end), enc, sites, depth + 1) : itemEnd;
      at = length === UNDEFINED_LENGTH ? after : itemEnd;
      continue;
    }
    const explicit = enc.explicit || tag >>> 16 === 0x0002;
    let vr: string | null = null;
    let length: number;
    let lengthAt: number;
    let lengthBytes: 2 | 4;
    let valueAt: number;
    if (explicit) {
      vr = String.fromCharCode(b[at + 4], b[at + 5]);
      if (!VRS.has(vr)) return at;
      if (LONG_VRS.has(vr)) {
        if (at + 12 > end) return at;
        lengthAt = at + 8;
        lengthBytes = 4;
        length = readU32(b, lengthAt, le);
        valueAt = at + 12;
      } else {
        lengthAt = at + 6;
        lengthBytes = 2;
        length = readU16(b, lengthAt, le);
        valueAt = at + 8;
      }
    } else {
      lengthAt = at + 4;
      lengthBytes = 4;
      length = readU32(b, lengthAt, le);
      valueAt = at + 8;
    }
    sites.push({ tag, vr, headerAt: at, lengthAt, lengthBytes, littleEndian: le, valueAt, length, item: false });
    const sequence = vr === 'SQ' || (!explicit && valueAt + 4 <= end && readTag(b, valueAt, le) === ITEM);
    if (sequence && depth < 64) {
      const sequenceEnd = length === UNDEFINED_LENGTH ? end : Math.min(end, valueAt + length);
      const after = walk(b, valueAt, sequenceEnd, enc, sites, depth + 1);
      at = length === UNDEFINED_LENGTH ? after : valueAt + length;
      continue;
    }
    if (length === UNDEFINED_LENGTH) return at; // encapsulated pixel data, or garbage: stop here
    at = valueAt + length;
  }
  return at;
}

/** Writes `value` into a site's length field, in its width and byte order. */
export function writeLength(bytes: Uint8Array, site: ElementSite, value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (site.lengthBytes === 2) view.setUint16(site.lengthAt, value & 0xffff, site.littleEndian);
  else view.setUint32(site.lengthAt, value >>> 0, site.littleEndian);
}
