/**
 * Seeded mutations of a seed file's bytes: byte flips, truncation, length fields, VRs, values,
 * tags, splices; format-aware ones for PNG (chunk lengths, IHDR, CRCs fixed so the decoder goes
 * deeper, the zlib stream inside IDAT), NIfTI (dims, datatype, vox_offset, scaling; inside the
 * gzip stream) and deflated DICOM (inside the deflate stream). Each returns the bytes and a line
 * saying what was done, so a failing file can be understood and replayed.
 */
import { crc32, deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { elementSites, writeLength, type ElementSite } from './dicom-sites';

export type Random = () => number;
export const randomInt = (random: Random, n: number): number => Math.floor(random() * n);
export const pick = <T>(random: Random, items: readonly T[]): T => items[randomInt(random, items.length)];

export type SeedFormat = 'dicom' | 'dicom-deflated' | 'png' | 'nifti' | 'nifti-gz';

export interface Mutated {
  bytes: Uint8Array;
  mutation: string;
}

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

/** Lengths a length field is set to: the edges a reader must not trust. */
function lengthChoice(random: Random, site: { length: number }, fileSize: number): number {
  const choices = [0, 1, 2, 3, site.length + 1, site.length + 2, site.length * 2, Math.max(0, site.length - 2), fileSize, fileSize + 8, 0xfffe, 0xffff, 0x7fffffff, 0xfffffffe, 0xffffffff, randomInt(random, 2 ** 32)];
  return pick(random, choices);
}

const TEXT_VALUES = ['', 'NaN', 'nan', 'Infinity', '-Infinity', '1e999', '-0', '1\\2', '1\\2\\3\\4\\5\\6\\7', 'abc', '1.5abc', '   ', '\0\0\0\0', '0x10', '2147483647', '-2147483648', '99999999999999999999', '../../etc/passwd', '<script>alert(1)</script>', '1..2', '.', '\\\\\\', '%s%s%n', 'ÿþ'];
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
const BINARY_NUMBER_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'AT']);
// The tags whose values the readers compute sizes and layouts from: mutated more often.
const KEY_TAGS = new Set([0x00280010, 0x00280011, 0x00280008, 0x00280100, 0x00280101, 0x00280002, 0x00280004, 0x00200032, 0x00200037, 0x00280030, 0x00020010, 0x00080016, 0x00080018, 0x00620001, 0x00620004, 0x0062000b, 0x00280120, 0x0062000e, 0x7fe00010]);

function fitted(text: string, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0x20);
  out.set(Buffer.from(text, 'latin1').subarray(0, length));
  return out;
}

/** A value that replaces a site's value: text for text VRs, edge numbers for binary ones, random bytes else. */
function valueFor(random: Random, site: ElementSite, length: number): Uint8Array {
  if (site.vr && TEXT_VRS.has(site.vr)) return fitted(pick(random, TEXT_VALUES), length);
  if ((site.vr && BINARY_NUMBER_VRS.has(site.vr)) || (!site.vr && length <= 8)) {
    const out = new Uint8Array(length);
    const edge = pick(random, [0, 1, 0xff, 0x7fff, 0x8000, 0xffff, 0xffffffff, 0x80000000, randomInt(random, 2 ** 32)]);
    const view = new DataView(out.buffer);
    for (let at = 0; at + 2 <= length; at += 4) {
      if (at + 4 <= length) view.setUint32(at, edge >>> 0, site.littleEndian);
      else view.setUint16(at, edge & 0xffff, site.littleEndian);
    }
    return out;
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = randomInt(random, 256);
  return out;
}

const hex = (tag: number): string => `(${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')})`;

function pickSite(random: Random, sites: ElementSite[]): ElementSite {
  const key = sites.filter((s) => KEY_TAGS.has(s.tag));
  return key.length > 0 && random() < 0.5 ? pick(random, key) : pick(random, sites);
}

/** Generic byte-level mutations, for every format. */
function mutateBytes(random: Random, bytes: Uint8Array, hotEnd: number): Mutated {
  const size = bytes.length;
  const at = (): number => (random() < 0.7 ? randomInt(random, Math.max(1, Math.min(size, hotEnd))) : randomInt(random, Math.max(1, size)));
  const op = randomInt(random, 5);
  if (op === 0 || size === 0) {
    const out = Uint8Array.from(bytes);
    const count = 1 + randomInt(random, 8);
    const where: number[] = [];
    for (let i = 0; i < count && size > 0; i++) {
      const p = at();
      out[p] ^= 1 + randomInt(random, 255);
      where.push(p);
    }
    return { bytes: out, mutation: `flip bytes at ${where.join(',')}` };
  }
  if (op === 1) {
    const keep = at();
    return { bytes: bytes.subarray(0, keep), mutation: `truncate to ${keep} bytes` };
  }
  if (op === 2) {
    const from = at();
    const length = 1 + randomInt(random, Math.min(4096, size - from));
    const to = at();
    return { bytes: concat([bytes.subarray(0, to), bytes.subarray(from, from + length), bytes.subarray(to)]), mutation: `insert copy of [${from}, +${length}) at ${to}` };
  }
  if (op === 3) {
    const from = at();
    const length = 1 + randomInt(random, Math.min(256, size - from));
    return { bytes: concat([bytes.subarray(0, from), bytes.subarray(from + length)]), mutation: `delete [${from}, +${length})` };
  }
  const from = at();
  const length = 1 + randomInt(random, Math.min(64, size - from));
  const out = Uint8Array.from(bytes);
  out.fill(pick(random, [0x00, 0xff]), from, from + length);
  return { bytes: out, mutation: `fill [${from}, +${length}) with ${out[from]}` };
}

/** Structure-aware mutations of a DICOM data set (sites from elementSites); null when there are no sites. */
function mutateSites(random: Random, bytes: Uint8Array, sites: ElementSite[]): Mutated | null {
  if (sites.length === 0) return null;
  const site = pickSite(random, sites);
  const op = randomInt(random, 6);
  const out = Uint8Array.from(bytes);
  if (op === 0 || op === 1) {
    const length = lengthChoice(random, site, bytes.length);
    writeLength(out, site, length);
    return { bytes: out, mutation: `length of ${site.item ? 'item' : 'element'} ${hex(site.tag)} at byte ${site.headerAt}: ${site.length} → ${length >>> 0}` };
  }
  if (op === 2 && site.vr) {
    const vr = random() < 0.5 ? pick(random, ['SQ', 'OB', 'UN', 'UT', 'US', 'UL', 'DS', 'XX', '\0\0']) : String.fromCharCode(65 + randomInt(random, 26), 65 + randomInt(random, 26));
    out.set(Buffer.from(vr, 'latin1'), site.headerAt + 4);
    return { bytes: out, mutation: `VR of ${hex(site.tag)} at byte ${site.headerAt}: ${site.vr} → ${JSON.stringify(vr)}` };
  }
  if (op === 3 && site.length !== 0xffffffff && site.valueAt + site.length <= bytes.length) {
    if (random() < 0.5 || site.lengthBytes === 2 && site.length > 0xfff0) {
      out.set(valueFor(random, site, site.length), site.valueAt);
      return { bytes: out, mutation: `value of ${hex(site.tag)} at byte ${site.valueAt} overwritten (same length ${site.length})` };
    }
    // A new value with its own (even) length: later offsets move, enclosing defined lengths go stale.
    const text = pick(random, TEXT_VALUES);
    const value = site.vr && TEXT_VRS.has(site.vr) ? fitted(text, text.length + (text.length % 2)) : valueFor(random, site, 2 * randomInt(random, 8));
    const head = Uint8Array.from(bytes.subarray(0, site.valueAt));
    writeLength(head, site, value.length);
    return { bytes: concat([head, value, bytes.subarray(site.valueAt + site.length)]), mutation: `value of ${hex(site.tag)} at byte ${site.valueAt} replaced (${site.length} → ${value.length} bytes)` };
  }
  if (op === 4) {
    const tag = pick(random, [0xfffee000, 0xfffee00d, 0xfffee0dd, 0x7fe00010, 0x00000000, 0xffffffff, randomInt(random, 2 ** 32)]);
    const view = new DataView(out.buffer);
    view.setUint16(site.headerAt, tag >>> 16, site.littleEndian);
    view.setUint16(site.headerAt + 2, tag & 0xffff, site.littleEndian);
    return { bytes: out, mutation: `tag at byte ${site.headerAt}: ${hex(site.tag)} → ${hex(tag >>> 0)}` };
  }
  // Repeat one whole element (or item) many times in place: many items, repeated tags, long headers.
  if (site.length === 0xffffffff || site.valueAt + site.length > bytes.length) return null;
  const whole = bytes.subarray(site.headerAt, site.valueAt + site.length);
  const times = pick(random, [2, 10, 100, 1000, 10_000]);
  if (whole.length * times > 8 * 2 ** 20) return null;
  const repeated = new Uint8Array(whole.length * times);
  for (let i = 0; i < times; i++) repeated.set(whole, i * whole.length);
  return { bytes: concat([bytes.subarray(0, site.headerAt), repeated, bytes.subarray(site.valueAt + site.length)]), mutation: `${hex(site.tag)} at byte ${site.headerAt} repeated ${times} times` };
}

/** Offset after a Part 10 file's meta group, from its group length (0 when absent or garbled). */
export function dataSetStart(bytes: Uint8Array): number {
  if (bytes.length < 144 || Buffer.from(bytes.subarray(128, 132)).toString('latin1') !== 'DICM') return 0;
  const groupLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(140, true);
  const end = 144 + groupLength;
  return end <= bytes.length ? end : 0;
}

function mutateDicom(random: Random, bytes: Uint8Array, explicit: boolean, littleEndian: boolean): Mutated {
  if (random() < 0.6) {
    const start = bytes.length >= 132 && Buffer.from(bytes.subarray(128, 132)).toString('latin1') === 'DICM' ? 132 : 0;
    const sites = elementSites(bytes, start, bytes.length, { explicit, littleEndian });
    const mutated = mutateSites(random, bytes, sites);
    if (mutated) return mutated;
  }
  const pixel = elementSites(bytes, 132, bytes.length, { explicit, littleEndian }).find((s) => s.tag === 0x7fe00010);
  return mutateBytes(random, bytes, pixel ? pixel.valueAt + 64 : 4096);
}

/** Inside the deflate stream (inflate, mutate the data set, deflate again), or the compressed bytes themselves. */
function mutateDeflatedDicom(random: Random, bytes: Uint8Array): Mutated {
  const start = dataSetStart(bytes);
  let body: Uint8Array | null = null;
  if (start > 0 && random() < 0.75) {
    try {
      body = inflateRawSync(bytes.subarray(start));
    } catch {
      body = null;
    }
  }
  if (!body) return mutateBytes(random, bytes, bytes.length);
  const sites = elementSites(body, 0, body.length, { explicit: true, littleEndian: true });
  const inner = mutateSites(random, body, sites) ?? mutateBytes(random, body, body.length);
  return { bytes: concat([bytes.subarray(0, start), deflateRawSync(inner.bytes)]), mutation: `inside the deflated data set: ${inner.mutation}` };
}

interface PngChunk {
  at: number;
  length: number;
  type: string;
}

function pngChunks(bytes: Uint8Array): PngChunk[] {
  const chunks: PngChunk[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length && chunks.length < 1000; ) {
    const length = view.getUint32(at);
    chunks.push({ at, length, type: Buffer.from(bytes.subarray(at + 4, at + 8)).toString('latin1') });
    at += 12 + length;
  }
  return chunks;
}

/** Recomputes a chunk's CRC, so a mutated chunk gets past the CRC check to the code behind it. */
function fixCrc(out: Uint8Array, chunk: PngChunk): void {
  if (chunk.at + 12 + chunk.length > out.length) return;
  const crc = crc32(out.subarray(chunk.at + 4, chunk.at + 8 + chunk.length));
  new DataView(out.buffer, out.byteOffset).setUint32(chunk.at + 8 + chunk.length, crc >>> 0);
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  fixCrc(out, { at: 0, length: data.length, type });
  return out;
}

function mutatePng(random: Random, bytes: Uint8Array): Mutated {
  const chunks = pngChunks(bytes);
  const op = randomInt(random, 6);
  if (chunks.length === 0 || op === 0) return mutateBytes(random, bytes, bytes.length);
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  const ihdr = chunks.find((c) => c.type === 'IHDR' && c.length === 13);
  if (op === 1 && ihdr) {
    const fields = [
      { name: 'width', at: 8, bytes: 4, values: [0, 1, 2, 3, 7, 8, 255, 16384, 16385, 32768, 65536, 0x7fffffff, 0x80000000, 0xffffffff] },
      { name: 'height', at: 12, bytes: 4, values: [0, 1, 2, 3, 7, 8, 255, 16384, 16385, 32768, 65536, 0x7fffffff, 0x80000000, 0xffffffff] },
      { name: 'bit depth', at: 16, bytes: 1, values: [0, 1, 2, 3, 4, 8, 16, 32, 255] },
      { name: 'colour type', at: 17, bytes: 1, values: [0, 1, 2, 3, 4, 5, 6, 7, 255] },
      { name: 'compression', at: 18, bytes: 1, values: [1, 255] },
      { name: 'filter', at: 19, bytes: 1, values: [1, 255] },
      { name: 'interlace', at: 20, bytes: 1, values: [0, 1, 2, 255] },
    ];
    const field = pick(random, fields);
    const value = pick(random, field.values);
    if (field.bytes === 4) view.setUint32(ihdr.at + field.at, value >>> 0);
    else view.setUint8(ihdr.at + field.at, value);
    const fixed = random() < 0.85;
    if (fixed) fixCrc(out, ihdr);
    return { bytes: out, mutation: `IHDR ${field.name} → ${value}${fixed ? ' (CRC fixed)' : ''}` };
  }
  const chunk = pick(random, chunks);
  if (op === 2) {
    const length = lengthChoice(random, chunk, bytes.length);
    view.setUint32(chunk.at, length >>> 0);
    return { bytes: out, mutation: `length of chunk ${JSON.stringify(chunk.type)} at byte ${chunk.at}: ${chunk.length} → ${length >>> 0}` };
  }
  if (op === 3 && chunk.length > 0 && chunk.at + 12 + chunk.length <= out.length) {
    const p = chunk.at + 8 + randomInt(random, chunk.length);
    out[p] ^= 1 + randomInt(random, 255);
    fixCrc(out, chunk);
    return { bytes: out, mutation: `flip byte ${p} in chunk ${JSON.stringify(chunk.type)} (CRC fixed)` };
  }
  const idat = chunks.filter((c) => c.type === 'IDAT' && c.at + 12 + c.length <= bytes.length);
  if (op === 4 && idat.length > 0) {
    // Inside the zlib stream: mutate the filtered rows (filter bytes, sample counts), compress again.
    try {
      const stream = Buffer.concat(idat.map((c) => bytes.subarray(c.at + 8, c.at + 8 + c.length)));
      const rows = inflateSync(stream);
      const inner = mutateBytes(random, rows, rows.length);
      const before = bytes.subarray(0, idat[0].at);
      const last = idat[idat.length - 1];
      const after = bytes.subarray(last.at + 12 + last.length);
      return { bytes: concat([before, pngChunk('IDAT', deflateSync(inner.bytes)), after]), mutation: `inside IDAT's zlib stream: ${inner.mutation}` };
    } catch {
      return mutateBytes(random, bytes, bytes.length);
    }
  }
  // Duplicate or drop a chunk.
  const whole = bytes.subarray(chunk.at, Math.min(bytes.length, chunk.at + 12 + chunk.length));
  if (random() < 0.5) return { bytes: concat([bytes.subarray(0, chunk.at), whole, bytes.subarray(chunk.at)]), mutation: `chunk ${JSON.stringify(chunk.type)} at byte ${chunk.at} duplicated` };
  return { bytes: concat([bytes.subarray(0, chunk.at), bytes.subarray(chunk.at + whole.length)]), mutation: `chunk ${JSON.stringify(chunk.type)} at byte ${chunk.at} removed` };
}

/** NIfTI-1 header fields (offset, type) and the values a reader must not trust. */
const NIFTI_FIELDS: { name: string; at: number; type: 'i16' | 'i32' | 'f32' | 'u8'; values: number[] }[] = [
  { name: 'sizeof_hdr', at: 0, type: 'i32', values: [0, 347, 540, -1, 0x7fffffff] },
  { name: 'dim[0]', at: 40, type: 'i16', values: [0, -1, 1, 2, 4, 7, 8, 32767] },
  { name: 'dim[1]', at: 42, type: 'i16', values: [0, -1, 1, 2, 1000, 32767, -32768] },
  { name: 'dim[2]', at: 44, type: 'i16', values: [0, -1, 1, 2, 1000, 32767, -32768] },
  { name: 'dim[3]', at: 46, type: 'i16', values: [0, -1, 1, 2, 1000, 32767, -32768] },
  { name: 'dim[4]', at: 48, type: 'i16', values: [0, -1, 2, 32767] },
  { name: 'dim[5]', at: 50, type: 'i16', values: [0, -1, 2, 32767] },
  { name: 'datatype', at: 70, type: 'i16', values: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2304, -1, 7] },
  { name: 'bitpix', at: 72, type: 'i16', values: [0, 1, 8, 16, 32, 64, 7, -8] },
  { name: 'pixdim[1]', at: 80, type: 'f32', values: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e-30, 1e30] },
  { name: 'vox_offset', at: 108, type: 'f32', values: [0, 1, -1, Number.NaN, Number.POSITIVE_INFINITY, 348, 351, 352, 353, 356, 1e10, 2 ** 31, 3.5] },
  { name: 'scl_slope', at: 112, type: 'f32', values: [0, -1, 0.5, 2, Number.NaN, Number.POSITIVE_INFINITY, 1e-30] },
  { name: 'scl_inter', at: 116, type: 'f32', values: [0.5, -1, 1e30, Number.NaN, Number.NEGATIVE_INFINITY] },
  { name: 'qform_code', at: 252, type: 'i16', values: [0, 1, 5, -1] },
  { name: 'magic', at: 344, type: 'u8', values: [0, 0x6e, 0x6e, 0x2b] },
];

function mutateNiftiBytes(random: Random, bytes: Uint8Array): Mutated {
  if (bytes.length < 352 || random() < 0.3) return mutateBytes(random, bytes, 352);
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  const field = pick(random, NIFTI_FIELDS);
  const value = pick(random, field.values);
  if (field.type === 'i16') view.setInt16(field.at, value, true);
  else if (field.type === 'i32') view.setInt32(field.at, value, true);
  else if (field.type === 'f32') view.setFloat32(field.at, value, true);
  else view.setUint8(field.at + randomInt(random, 4), value);
  return { bytes: out, mutation: `NIfTI ${field.name} → ${value}` };
}

function mutateNiftiGz(random: Random, bytes: Uint8Array): Mutated {
  if (random() < 0.25) return mutateBytes(random, bytes, bytes.length);
  let inner: Uint8Array;
  try {
    inner = gunzipSync(bytes);
  } catch {
    return mutateBytes(random, bytes, bytes.length);
  }
  const mutated = mutateNiftiBytes(random, inner);
  return { bytes: gzipSync(mutated.bytes), mutation: `inside the gzip stream: ${mutated.mutation}` };
}

/** One mutation of a seed, chosen by its format. */
export function mutate(random: Random, bytes: Uint8Array, format: SeedFormat, encoding: { explicit: boolean; littleEndian: boolean }): Mutated {
  if (format === 'dicom') return mutateDicom(random, bytes, encoding.explicit, encoding.littleEndian);
  if (format === 'dicom-deflated') return mutateDeflatedDicom(random, bytes);
  if (format === 'png') return mutatePng(random, bytes);
  if (format === 'nifti') return mutateNiftiBytes(random, bytes);
  return mutateNiftiGz(random, bytes);
}
