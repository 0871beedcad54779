/**
 * Segmentation overlap scores for one case (truth vs prediction) and a dataset summary.
 *
 * Definitions (label 0 is background and never scored):
 * - per foreground label present in truth OR prediction: tp, fp, fn from the joint histogram;
 *   IoU = tp/(tp+fp+fn), Dice = 2tp/(2tp+fp+fn), precision = tp/(tp+fp), recall = tp/(tp+fn),
 *   each null when its denominator is 0.
 * - mIoU / mean Dice: mean over those labels. A case with no foreground in either volume is
 *   `empty`: mIoU and mean Dice are 1 with emptyRule 'one' and null (left out) with 'skip'.
 * - volumes in ml use the truth's spacing for both volumes: the prediction lies on the same
 *   voxel grid (shapes must match exactly; nothing is resampled).
 */
import { addBytePairs, byteView, isByteArray, jointHistogram } from './joint-histogram';
import type { CaseScore, DatasetSummary, EmptyRule, LabelArray, LabelScore, LabelVolume } from './types';
import { assertSameShape, voxelVolumeMl } from './volume';

export interface ScoreCaseOptions {
  /** Case name in the result; defaults to the truth's source. */
  name?: string;
  emptyRule?: EmptyRule;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function scoreCase(truth: LabelVolume, pred: LabelVolume, opts: ScoreCaseOptions = {}): CaseScore {
  assertSameShape(truth, pred);
  const emptyRule = opts.emptyRule ?? 'one';
  const histogram = jointHistogram(truth.data, pred.data);

  const truthCount = new Map<number, number>();
  const predCount = new Map<number, number>();
  const truePositives = new Map<number, number>();
  for (const { truth: t, pred: p, count } of histogram.cells) {
    truthCount.set(t, (truthCount.get(t) ?? 0) + count);
    predCount.set(p, (predCount.get(p) ?? 0) + count);
    if (t === p) truePositives.set(t, count);
  }
  const foreground = [...new Set([...truthCount.keys(), ...predCount.keys()])]
    .filter((label) => label !== 0)
    .sort((a, b) => a - b);

  const mlPerVoxel = voxelVolumeMl(truth.spacingMm);
  const labels: LabelScore[] = foreground.map((label) => {
    const truthVoxels = truthCount.get(label) ?? 0;
    const predVoxels = predCount.get(label) ?? 0;
    const tp = truePositives.get(label) ?? 0;
    const fp = predVoxels - tp;
    const fn = truthVoxels - tp;
    return {
      label,
      tp,
      fp,
      fn,
      iou: ratio(tp, tp + fp + fn),
      dice: ratio(2 * tp, 2 * tp + fp + fn),
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      truthVoxels,
      predVoxels,
      truthVolumeMl: truthVoxels * mlPerVoxel,
      predVolumeMl: predVoxels * mlPerVoxel,
    };
  });

  const empty = labels.length === 0;
  const emptyValue = emptyRule === 'one' ? 1 : null;
  return {
    name: opts.name ?? truth.source,
    labels,
    miou: empty ? emptyValue : mean(labels.map((l) => l.iou as number)),
    meanDice: empty ? emptyValue : mean(labels.map((l) => l.dice as number)),
    empty,
  };
}

function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Dataset summary of case scores. The empty rule is applied here again (from each case's
 * `empty` flag), so cases scored under either rule summarise consistently.
 */
export function summarizeDataset(cases: CaseScore[], emptyRule: EmptyRule): DatasetSummary {
  const mious: number[] = [];
  const dices: number[] = [];
  for (const c of cases) {
    if (c.empty) {
      if (emptyRule === 'one') {
        mious.push(1);
        dices.push(1);
      }
      continue;
    }
    if (c.miou !== null) mious.push(c.miou);
    if (c.meanDice !== null) dices.push(c.meanDice);
  }
  const sorted = [...mious].sort((a, b) => a - b);

  const perLabelSums = new Map<number, { iou: number; dice: number; cases: number }>();
  for (const c of cases) {
    for (const l of c.labels) {
      if (l.iou === null || l.dice === null) continue;
      const sums = perLabelSums.get(l.label) ?? { iou: 0, dice: 0, cases: 0 };
      sums.iou += l.iou;
      sums.dice += l.dice;
      sums.cases++;
      perLabelSums.set(l.label, sums);
    }
  }
  const perLabel = [...perLabelSums.entries()]
    .sort(([a], [b]) => a - b)
    .map(([label, s]) => ({ label, meanIou: s.iou / s.cases, meanDice: s.dice / s.cases, cases: s.cases }));

  return {
    emptyRule,
    caseCount: cases.length,
    scoredCaseCount: mious.length,
    miou: {
      mean: mean(mious),
      median: median(sorted),
      min: sorted.length ? sorted[0] : null,
      max: sorted.length ? sorted[sorted.length - 1] : null,
    },
    meanDice: mean(dices),
    perLabel,
  };
}

/**
 * IoU per z slice, for charts: foreground (any non-zero label) vs background, or one given
 * label. null for a slice where neither volume has that foreground.
 */
export function perSliceIou(truth: LabelVolume, pred: LabelVolume, label?: number): (number | null)[] {
  assertSameShape(truth, pred);
  if (isByteArray(truth.data) && isByteArray(pred.data)) return perSliceIouBytes(truth, pred, label);
  const [w, h, d] = truth.shape;
  const sliceSize = w * h;
  const t = truth.data;
  const p = pred.data;
  const result: (number | null)[] = [];
  for (let z = 0; z < d; z++) {
    let intersection = 0;
    let union = 0;
    const end = (z + 1) * sliceSize;
    for (let i = z * sliceSize; i < end; i++) {
      const inTruth = label === undefined ? t[i] !== 0 : t[i] === label;
      const inPred = label === undefined ? p[i] !== 0 : p[i] === label;
      if (inTruth && inPred) intersection++;
      if (inTruth || inPred) union++;
    }
    result.push(union === 0 ? null : intersection / union);
  }
  return result;
}

/** Byte data: one joint histogram per slice (the fast kernel), read off in 512 cells. */
function perSliceIouBytes(truth: LabelVolume, pred: LabelVolume, label: number | undefined): (number | null)[] {
  const [w, h, d] = truth.shape;
  const sliceSize = w * h;
  const t = byteView(truth.data as Uint8Array | Int8Array);
  const p = byteView(pred.data as Uint8Array | Int8Array);
  // The label as stored in each byte array (Int8 labels are two's complement bytes).
  const truthByte = label === undefined ? -1 : toByte(label, truth.data);
  const predByte = label === undefined ? -1 : toByte(label, pred.data);
  const table = new Float64Array(65536);
  const result: (number | null)[] = [];
  for (let z = 0; z < d; z++) {
    table.fill(0);
    addBytePairs(t.subarray(z * sliceSize, (z + 1) * sliceSize), p.subarray(z * sliceSize, (z + 1) * sliceSize), table);
    let intersection = 0;
    let union = 0;
    if (label === undefined) {
      // union = slice − (background in both); intersection = union − (foreground in exactly one)
      let truthOnly = 0;
      let predOnly = 0;
      for (let k = 1; k < 256; k++) {
        truthOnly += table[k << 8];
        predOnly += table[k];
      }
      union = sliceSize - table[0];
      intersection = union - truthOnly - predOnly;
    } else {
      let truthCount = 0;
      let predCount = 0;
      if (truthByte >= 0) for (let k = 0; k < 256; k++) truthCount += table[(truthByte << 8) | k];
      if (predByte >= 0) for (let k = 0; k < 256; k++) predCount += table[(k << 8) | predByte];
      intersection = truthByte >= 0 && predByte >= 0 ? table[(truthByte << 8) | predByte] : 0;
      union = truthCount + predCount - intersection;
    }
    result.push(union === 0 ? null : intersection / union);
  }
  return result;
}

/** Byte under which `label` is stored in byte data, or −1 when that array type cannot hold it. */
function toByte(label: number, data: LabelArray): number {
  if (data instanceof Int8Array) return label >= -128 && label <= 127 ? label & 255 : -1;
  return Number.isInteger(label) && label >= 0 && label <= 255 ? label : -1;
}
