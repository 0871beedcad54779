/**
 * Joint histogram of (truth label, predicted label) over all voxels, built in ONE counting pass
 * with no per-voxel allocation. Everything else in segmentation scoring derives from it.
 *
 * Paths, fastest first:
 * - both arrays 1 byte per voxel (Uint8/Int8): direct 256×256 table indexed by the two bytes,
 *   read through 32-bit views: blocks of 32 voxels that are background in both volumes (the
 *   vast majority in medical masks) are just counted; a word whose four truth bytes equal its
 *   four predicted bytes and are all one label adds 4 to one diagonal cell at once.
 * - otherwise a cheap first scan per side builds a label → dense index map (a lookup array
 *   when the value range is ≤ 2^20, a Map beyond), then the counting pass indexes a dense
 *   Float64Array table of nTruth × nPred cells when that is ≤ 65536 cells, a Map otherwise.
 */
import type { LabelArray } from './types';

export interface JointHistogramCell {
  truth: number;
  pred: number;
  /** Number of voxels with this (truth, pred) pair. */
  count: number;
}

export interface JointHistogram {
  /** Non-zero cells, sorted by truth label then predicted label. */
  cells: JointHistogramCell[];
  voxels: number;
}

const DENSE_TABLE_MAX_CELLS = 65536;
const LOOKUP_MAX_RANGE = 1 << 20;

export function isByteArray(data: LabelArray): data is Uint8Array | Int8Array {
  return data.BYTES_PER_ELEMENT === 1;
}

export function byteView(data: Uint8Array | Int8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Byte value → label (Int8 data stores negative labels in two's complement). */
function byteDecoder(data: Uint8Array | Int8Array): (byte: number) => number {
  return data instanceof Int8Array ? (byte) => (byte << 24) >> 24 : (byte) => byte;
}

export function jointHistogram(truth: LabelArray, pred: LabelArray): JointHistogram {
  if (truth.length !== pred.length) {
    throw new Error(`jointHistogram: truth has ${truth.length} voxels but prediction has ${pred.length}`);
  }
  if (isByteArray(truth) && isByteArray(pred)) {
    const table = countBytePairs(byteView(truth), byteView(pred));
    const decodeTruth = byteDecoder(truth);
    const decodePred = byteDecoder(pred);
    const cells: JointHistogramCell[] = [];
    for (let cell = 0; cell < 65536; cell++) {
      const count = table[cell];
      if (count !== 0) cells.push({ truth: decodeTruth(cell >>> 8), pred: decodePred(cell & 255), count });
    }
    return { cells: sortCells(cells), voxels: truth.length };
  }
  return { cells: sortCells(countGeneric(truth, pred)), voxels: truth.length };
}

function sortCells(cells: JointHistogramCell[]): JointHistogramCell[] {
  return cells.sort((a, b) => a.truth - b.truth || a.pred - b.pred);
}

/** 256×256 table of (truth byte << 8 | pred byte) counts. */
export function countBytePairs(truth: Uint8Array, pred: Uint8Array): Float64Array {
  return addBytePairs(truth, pred, new Float64Array(65536));
}

/** Adds the (truth byte << 8 | pred byte) counts into an existing 65536-cell table (reused per slice). */
export function addBytePairs(truth: Uint8Array, pred: Uint8Array, table: Float64Array): Float64Array {
  if (truth.length !== pred.length) throw new Error(`addBytePairs: ${truth.length} vs ${pred.length} voxels`);
  const n = truth.length;
  let i = 0;
  // Word-at-a-time only when both arrays can be aligned to 4 bytes at the same voxel index.
  if (((truth.byteOffset - pred.byteOffset) & 3) === 0 && n >= 16) {
    while (((truth.byteOffset + i) & 3) !== 0) {
      table[(truth[i] << 8) | pred[i]]++;
      i++;
    }
    const words = (n - i) >>> 2;
    const truthWords = new Int32Array(truth.buffer, truth.byteOffset + i, words);
    const predWords = new Int32Array(pred.buffer, pred.byteOffset + i, words);
    countWords(truthWords, predWords, table);
    i += words * 4;
  }
  for (; i < n; i++) table[(truth[i] << 8) | pred[i]]++;
  return table;
}

function countWords(truthWords: Int32Array, predWords: Int32Array, table: Float64Array): void {
  const words = truthWords.length;
  let backgroundBlocks = 0;
  let w = 0;
  // Blocks of 8 words (32 voxels) where both volumes are all background: one OR chain, no
  // table traffic. This is the memory-bound common case.
  const lastBlock = words - 8;
  while (w <= lastBlock) {
    const t = truthWords;
    const p = predWords;
    if (
      (t[w] | t[w + 1] | t[w + 2] | t[w + 3] | t[w + 4] | t[w + 5] | t[w + 6] | t[w + 7] |
        p[w] | p[w + 1] | p[w + 2] | p[w + 3] | p[w + 4] | p[w + 5] | p[w + 6] | p[w + 7]) === 0
    ) {
      backgroundBlocks++;
      w += 8;
      continue;
    }
    const blockEnd = w + 8;
    for (; w < blockEnd; w++) addWordPair(truthWords[w], predWords[w], table);
  }
  for (; w < words; w++) addWordPair(truthWords[w], predWords[w], table);
  table[0] += backgroundBlocks * 32;
}

/** Adds the four (truth byte, pred byte) pairs of one 32-bit word of each volume. */
function addWordPair(a: number, b: number, table: Float64Array): void {
  if (a === b) {
    // All four bytes equal ⇔ bytes 1..3 equal bytes 0..2: one diagonal cell gets 4.
    if (a >>> 8 === (a & 0xffffff)) {
      table[(a & 255) * 257] += 4;
      return;
    }
    table[(a & 255) * 257]++;
    table[((a >>> 8) & 255) * 257]++;
    table[((a >>> 16) & 255) * 257]++;
    table[(a >>> 24) * 257]++;
    return;
  }
  // Byte k of both words belongs to the same voxel, whatever the platform's endianness.
  table[((a & 255) << 8) | (b & 255)]++;
  table[(a & 0xff00) | ((b >>> 8) & 255)]++;
  table[((a >>> 8) & 0xff00) | ((b >>> 16) & 255)]++;
  table[((a >>> 16) & 0xff00) | (b >>> 24)]++;
}

/** label → dense index, for one side of the histogram. */
interface LabelIndex {
  labels: number[];
  /** lookup[label - offset] = dense index, or null when the range is too wide (then `map`). */
  lookup: Int32Array | null;
  offset: number;
  map: Map<number, number> | null;
}

function valueRange(data: LabelArray): { min: number; max: number } {
  if (data instanceof Uint16Array) return { min: 0, max: 65535 };
  if (data instanceof Int16Array) return { min: -32768, max: 32767 };
  if (data instanceof Uint8Array) return { min: 0, max: 255 };
  if (data instanceof Int8Array) return { min: -128, max: 127 };
  // 32-bit data: measure the actual range so a lookup array stays small.
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return data.length === 0 ? { min: 0, max: 0 } : { min, max };
}

function buildLabelIndex(data: LabelArray): LabelIndex {
  const { min, max } = valueRange(data);
  if (max - min < LOOKUP_MAX_RANGE) {
    const seen = new Uint8Array(max - min + 1);
    for (let i = 0; i < data.length; i++) seen[data[i] - min] = 1;
    const lookup = new Int32Array(seen.length).fill(-1);
    const labels: number[] = [];
    for (let v = 0; v < seen.length; v++) {
      if (seen[v] !== 0) {
        lookup[v] = labels.length;
        labels.push(v + min);
      }
    }
    return { labels, lookup, offset: min, map: null };
  }
  const distinct = new Set<number>();
  for (let i = 0; i < data.length; i++) distinct.add(data[i]);
  const labels = [...distinct].sort((a, b) => a - b);
  const map = new Map<number, number>();
  labels.forEach((label, index) => map.set(label, index));
  return { labels, lookup: null, offset: 0, map };
}

function countGeneric(truth: LabelArray, pred: LabelArray): JointHistogramCell[] {
  const truthIndex = buildLabelIndex(truth);
  const predIndex = buildLabelIndex(pred);
  const nPred = predIndex.labels.length;
  const cellCount = truthIndex.labels.length * nPred;
  const n = truth.length;
  const cells: JointHistogramCell[] = [];

  if (truthIndex.lookup && predIndex.lookup && cellCount <= DENSE_TABLE_MAX_CELLS) {
    const table = new Float64Array(cellCount);
    const tl = truthIndex.lookup;
    const pl = predIndex.lookup;
    const to = truthIndex.offset;
    const po = predIndex.offset;
    for (let i = 0; i < n; i++) table[tl[truth[i] - to] * nPred + pl[pred[i] - po]]++;
    for (let cell = 0; cell < cellCount; cell++) {
      if (table[cell] !== 0) {
        cells.push({
          truth: truthIndex.labels[Math.floor(cell / nPred)],
          pred: predIndex.labels[cell % nPred],
          count: table[cell],
        });
      }
    }
    return cells;
  }

  // Fallback: many distinct labels or a huge value range. Exact, slower.
  const dense = (index: LabelIndex, value: number): number =>
    index.lookup ? index.lookup[value - index.offset] : (index.map as Map<number, number>).get(value) as number;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = dense(truthIndex, truth[i]) * nPred + dense(predIndex, pred[i]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of counts) {
    cells.push({ truth: truthIndex.labels[Math.floor(key / nPred)], pred: predIndex.labels[key % nPred], count });
  }
  return cells;
}
