import path from 'node:path';
import type { DatasetCase, DatasetScore, MaskScore } from '../contract/masks';
import { scoreMaskFolders, scoreMaskSets, type ReadMask } from '../masks/score-pairs';
import { scoreCase } from '../metrics/segmentation';
import type { EmptyRule, LabelArray, LabelVolume } from '../metrics/types';
import type { StoredMask } from './mask-store';

/** Slice z of a volume as a depth-1 volume sharing the same memory. */
function sliceOf(volume: LabelVolume, z: number): LabelVolume {
  const [width, height] = volume.shape;
  const start = z * width * height;
  return {
    data: volume.data.subarray(start, start + width * height),
    shape: [width, height, 1],
    spacingMm: volume.spacingMm,
    source: `${volume.source} slice ${z}`,
  };
}

/** Per z slice: the slice's mIoU and each label's IoU (null where the label is on neither mask there). */
export interface SliceScores {
  miou: (number | null)[];
  byLabel: Map<number, (number | null)[]>;
}

/**
 * Scores each z slice with the case's own definition: mIoU = mean IoU over the foreground labels
 * present on that slice in truth or prediction (label-aware, so a confused label scores 0), null
 * where neither mask has foreground on the slice.
 */
export function sliceScores(truth: LabelVolume, pred: LabelVolume): SliceScores {
  const dense = denseLabelLimit(truth.data, pred.data);
  return dense === null ? sliceScoresByCase(truth, pred) : sliceScoresDense(truth, pred, dense);
}

/** The per-case scorer slice by slice: any labels, but a fixed cost per slice. */
export function sliceScoresByCase(truth: LabelVolume, pred: LabelVolume): SliceScores {
  const depth = truth.shape[2];
  const result: SliceScores = { miou: [], byLabel: new Map() };
  for (let z = 0; z < depth; z++) {
    const scored = scoreCase(sliceOf(truth, z), sliceOf(pred, z), { emptyRule: 'skip' });
    result.miou.push(scored.miou);
    for (const l of scored.labels) labelSeries(result.byLabel, l.label, depth)[z] = l.iou;
  }
  return result;
}

function labelSeries(byLabel: Map<number, (number | null)[]>, label: number, depth: number): (number | null)[] {
  let series = byLabel.get(label);
  if (!series) byLabel.set(label, (series = new Array<number | null>(depth).fill(null)));
  return series;
}

/** Largest label + 1 when both arrays hold only labels 0..65535 (dense counting works), else null. */
function denseLabelLimit(a: LabelArray, b: LabelArray): number | null {
  const unsignedSmall = (x: LabelArray) => x instanceof Uint8Array || x instanceof Uint16Array;
  if (!unsignedSmall(a) || !unsignedSmall(b)) return null;
  return a instanceof Uint16Array || b instanceof Uint16Array ? 0x10000 : 0x100;
}

/** A 32-bit view of a byte array (4 voxels per word) when it is aligned for one, else null. */
function wordsOf(data: LabelArray): Uint32Array | null {
  if (!(data instanceof Uint8Array) || data.byteOffset % 4 !== 0) return null;
  return new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
}

/** One pass with per-label counters; only the labels met on a slice are averaged and reset. */
function sliceScoresDense(truth: LabelVolume, pred: LabelVolume, size: number): SliceScores {
  const [width, height, depth] = truth.shape;
  const sliceVoxels = width * height;
  const t = truth.data;
  const p = pred.data;
  const both = new Float64Array(size);
  const inTruth = new Float64Array(size);
  const inPred = new Float64Array(size);
  const seenOnSlice = new Int32Array(size);
  const labels: number[] = [];
  let stamp = 0;
  // Byte masks whose slices start on a word boundary skip background four voxels at a time:
  // most of a medical mask is background.
  const truthWords = sliceVoxels % 4 === 0 ? wordsOf(t) : null;
  const predWords = sliceVoxels % 4 === 0 ? wordsOf(p) : null;
  const result: SliceScores = { miou: [], byLabel: new Map() };
  for (let z = 0; z < depth; z++) {
    stamp = z + 1;
    labels.length = 0;
    const start = z * sliceVoxels;
    const end = start + sliceVoxels;
    const wordAligned = truthWords !== null && predWords !== null;
    for (let i = start; i < end; i++) {
      // Background in both, four voxels at a time.
      if (wordAligned && (i & 3) === 0 && (truthWords[i >> 2] | predWords[i >> 2]) === 0) {
        i += 3;
        continue;
      }
      const a = t[i];
      const b = p[i];
      if (a === b) {
        if (a === 0) continue;
        both[a]++;
        inTruth[a]++;
        inPred[a]++;
        if (seenOnSlice[a] !== stamp) {
          seenOnSlice[a] = stamp;
          labels.push(a);
        }
        continue;
      }
      if (a !== 0) {
        inTruth[a]++;
        if (seenOnSlice[a] !== stamp) {
          seenOnSlice[a] = stamp;
          labels.push(a);
        }
      }
      if (b !== 0) {
        inPred[b]++;
        if (seenOnSlice[b] !== stamp) {
          seenOnSlice[b] = stamp;
          labels.push(b);
        }
      }
    }
    let sum = 0;
    for (const label of labels) {
      const iou = both[label] / (inTruth[label] + inPred[label] - both[label]);
      labelSeries(result.byLabel, label, depth)[z] = iou;
      sum += iou;
      both[label] = inTruth[label] = inPred[label] = 0;
    }
    result.miou.push(labels.length ? sum / labels.length : null);
  }
  return result;
}

/** The case table (SEG pairs: segment by segment, overlaps kept) and the per-slice curve. */
export function scoreMaskPair(truth: StoredMask, pred: StoredMask, emptyRule: EmptyRule): Pick<MaskScore, 'caseScore' | 'sliceIou' | 'sliceIouByLabel'> {
  const caseScore = scoreMaskSets(truth.maskSet, pred.maskSet, { emptyRule, name: truth.info.path });
  const slices = sliceScores(truth.maskSet.volume, pred.maskSet.volume);
  const sliceIouByLabel = [...slices.byLabel.entries()].sort(([a], [b]) => a - b).map(([label, sliceIou]) => ({ label, sliceIou }));
  return { caseScore, sliceIou: slices.miou, sliceIouByLabel };
}

/** Every paired case of two folders, in the contract's shape; failing pairs become rows with their reason. */
export async function scoreDatasetFolders(
  truthDir: string,
  predDir: string,
  emptyRule: EmptyRule,
  progress: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal; readMask?: ReadMask } = {},
): Promise<DatasetScore> {
  const scored = await scoreMaskFolders(truthDir, predDir, { emptyRule, onProgress: progress.onProgress, signal: progress.signal, readMask: progress.readMask });
  const caseName = (truthPath: string | null, predPath: string | null): string =>
    truthPath ? path.relative(truthDir, truthPath) : predPath ? path.relative(predDir, predPath) : '(unknown)';
  const cases: DatasetCase[] = scored.cases.map((c) => ({
    name: caseName(c.truthPath, c.predPath),
    truthPath: c.truthPath,
    predPath: c.predPath,
    miou: c.score.miou,
    meanDice: c.score.meanDice,
    empty: c.score.empty,
    error: null,
  }));
  for (const failure of scored.errors) {
    cases.push({
      name: caseName(failure.truth, failure.pred),
      truthPath: failure.truth ?? '',
      predPath: failure.pred ?? '',
      miou: null,
      meanDice: null,
      empty: false,
      error: failure.message,
    });
  }
  const { summary } = scored;
  return {
    emptyRule,
    cases,
    unpairedTruth: scored.onlyInTruth,
    unpairedPred: scored.onlyInPred,
    summary: {
      caseCount: summary.caseCount,
      scoredCaseCount: summary.scoredCaseCount,
      mean: summary.miou.mean,
      median: summary.miou.median,
      min: summary.miou.min,
      max: summary.miou.max,
    },
  };
}
