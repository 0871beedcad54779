/**
 * Inter-annotator agreement for one case: pairwise IoU / Dice matrices (per label and mean)
 * and a majority-vote consensus volume.
 */
import { scoreCase } from './segmentation';
import type { LabelArray, LabelVolume } from './types';
import { assertSameShape } from './volume';

export interface AgreementMatrices {
  /** Annotator names (each volume's source), in input order; rows and columns follow it. */
  annotators: string[];
  /** Foreground labels present in any annotator's volume, ascending. */
  labels: number[];
  /**
   * Per label: iou[i][j] / dice[i][j] between annotators i and j; null when neither of the
   * two marked that label. The diagonal is 1 where the annotator marked it, else null.
   */
  perLabel: { label: number; iou: (number | null)[][]; dice: (number | null)[][] }[];
  /**
   * Mean over the labels present in either of the pair (a case's mIoU / mean Dice); a pair
   * where neither marked anything scores 1 (both agree there is nothing).
   */
  meanIou: number[][];
  meanDice: number[][];
}

export function pairwiseAgreement(volumes: LabelVolume[]): AgreementMatrices {
  if (volumes.length < 2) throw new Error(`pairwiseAgreement needs at least two annotators, got ${volumes.length}`);
  for (const v of volumes.slice(1)) assertSameShape(volumes[0], v);
  const n = volumes.length;
  const square = <T>(fill: T): T[][] => Array.from({ length: n }, () => new Array<T>(n).fill(fill));
  const meanIou = square(1);
  const meanDice = square(1);
  const labelIou = new Map<number, (number | null)[][]>();
  const labelDice = new Map<number, (number | null)[][]>();
  const matrixFor = (map: Map<number, (number | null)[][]>, label: number) => {
    let m = map.get(label);
    if (!m) map.set(label, (m = square<number | null>(null)));
    return m;
  };

  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      // IoU and Dice are symmetric, so each pair is scored once.
      const score = scoreCase(volumes[i], volumes[j], { emptyRule: 'one' });
      meanIou[i][j] = meanIou[j][i] = score.miou as number;
      meanDice[i][j] = meanDice[j][i] = score.meanDice as number;
      for (const l of score.labels) {
        const iou = matrixFor(labelIou, l.label);
        const dice = matrixFor(labelDice, l.label);
        iou[i][j] = iou[j][i] = l.iou;
        dice[i][j] = dice[j][i] = l.dice;
      }
    }
  }
  const labels = [...labelIou.keys()].sort((a, b) => a - b);
  return {
    annotators: volumes.map((v) => v.source),
    labels,
    perLabel: labels.map((label) => ({ label, iou: labelIou.get(label)!, dice: labelDice.get(label)! })),
    meanIou,
    meanDice,
  };
}

/**
 * Consensus by plurality vote per voxel, background (0) counting as a vote like any label:
 * the label with strictly the most votes wins; a tie for the most votes gives background.
 * For binary masks this is "foreground where more than half the annotators marked it".
 * The result uses the first volume's array type when every volume shares it, else Int32Array
 * (or Uint32Array when some label exceeds the Int32 range).
 */
export function majorityVote(volumes: LabelVolume[], source = 'consensus'): LabelVolume {
  if (volumes.length === 0) throw new Error('majorityVote needs at least one annotator volume');
  for (const v of volumes.slice(1)) assertSameShape(volumes[0], v);
  const k = volumes.length;
  const arrays = volumes.map((v) => v.data);
  const n = arrays[0].length;
  const out = consensusArray(arrays, n);
  const votes = new Float64Array(k); // candidate labels for this voxel
  const tallies = new Int32Array(k);

  for (let i = 0; i < n; i++) {
    const first = arrays[0][i];
    let unanimous = true;
    for (let a = 1; a < k; a++) {
      if (arrays[a][i] !== first) {
        unanimous = false;
        break;
      }
    }
    if (unanimous) {
      out[i] = first;
      continue;
    }
    let distinct = 0;
    for (let a = 0; a < k; a++) {
      const label = arrays[a][i];
      let slot = 0;
      while (slot < distinct && votes[slot] !== label) slot++;
      if (slot === distinct) {
        votes[distinct] = label;
        tallies[distinct] = 0;
        distinct++;
      }
      tallies[slot]++;
    }
    let best = 0;
    let bestCount = -1;
    let tied = false;
    for (let s = 0; s < distinct; s++) {
      if (tallies[s] > bestCount) {
        best = votes[s];
        bestCount = tallies[s];
        tied = false;
      } else if (tallies[s] === bestCount) {
        tied = true;
      }
    }
    out[i] = tied ? 0 : best;
  }
  return { data: out, shape: volumes[0].shape, spacingMm: volumes[0].spacingMm, source };
}

function consensusArray(arrays: LabelArray[], n: number): LabelArray {
  const ctor = arrays[0].constructor;
  if (arrays.every((a) => a.constructor === ctor)) {
    return new (ctor as new (length: number) => LabelArray)(n);
  }
  const exceedsInt32 = arrays.some((a) => a instanceof Uint32Array && a.some((v) => v > 0x7fffffff));
  return exceedsInt32 ? new Uint32Array(n) : new Int32Array(n);
}

export interface StapleResult {
  /** The estimated truth: 1 where its posterior probability of foreground is at least 0.5. */
  volume: LabelVolume;
  /** Per input, in order: the estimated true-positive rate p_j and true-negative rate q_j. */
  sensitivity: number[];
  specificity: number[];
  /** The foreground prior used: the fraction of voxels marked, over every input and the whole volume. */
  prior: number;
  iterations: number;
  converged: boolean;
}

/** STAPLE takes at most this many inputs: it groups voxels by their vote pattern (2^k patterns). */
export const STAPLE_MAX_INPUTS = 16;
const STAPLE_MAX_ITERATIONS = 200;
const STAPLE_TOLERANCE = 1e-7;
/** Rates are kept inside (0, 1) so that a perfect rater does not make every other vote impossible. */
const RATE_CLAMP = 1e-6;

/**
 * Binary STAPLE (Warfield, Zou & Wells, IEEE TMI 2004): expectation–maximisation of each input's
 * sensitivity and specificity and of the per-voxel probability of foreground, with a global prior.
 * Any non-zero value is foreground. Voxels with the same votes have the same posterior, so the EM runs
 * on the histogram of vote patterns (one pass over the volume) — exact, and independent of its size.
 */
export function stapleBinary(volumes: LabelVolume[], source = 'staple'): StapleResult {
  const k = volumes.length;
  if (k < 2) throw new Error(`STAPLE needs at least two annotator volumes, got ${k}`);
  if (k > STAPLE_MAX_INPUTS) throw new Error(`STAPLE takes at most ${STAPLE_MAX_INPUTS} annotator volumes, got ${k}`);
  for (const v of volumes.slice(1)) assertSameShape(volumes[0], v);
  const n = volumes[0].data.length;
  const arrays = volumes.map((v) => v.data);

  // No per-voxel pattern array (4 bytes a voxel): the pattern is recomputed in the last pass instead.
  const patternAt = (i: number): number => {
    let pattern = 0;
    for (let j = 0; j < k; j++) if (arrays[j][i] !== 0) pattern |= 1 << j;
    return pattern;
  };
  const counts = new Float64Array(1 << k);
  let marked = 0;
  for (let i = 0; i < n; i++) counts[patternAt(i)]++;
  for (let pattern = 0; pattern < counts.length; pattern++) if (counts[pattern]) for (let j = 0; j < k; j++) if (pattern & (1 << j)) marked += counts[pattern];
  const prior = Math.min(1 - RATE_CLAMP, Math.max(RATE_CLAMP, marked / (n * k)));
  const patterns = [...counts.keys()].filter((p) => counts[p] > 0);

  const sensitivity = new Array<number>(k).fill(0.99);
  const specificity = new Array<number>(k).fill(0.99);
  const posterior = new Float64Array(1 << k);
  let iterations = 0;
  let converged = false;
  while (iterations < STAPLE_MAX_ITERATIONS && !converged) {
    iterations++;
    // E-step, in logs: many raters multiply many small probabilities.
    for (const p of patterns) {
      let logFg = Math.log(prior);
      let logBg = Math.log(1 - prior);
      for (let j = 0; j < k; j++) {
        const vote = (p >> j) & 1;
        logFg += Math.log(vote ? sensitivity[j] : 1 - sensitivity[j]);
        logBg += Math.log(vote ? 1 - specificity[j] : specificity[j]);
      }
      posterior[p] = 1 / (1 + Math.exp(logBg - logFg));
    }
    // M-step.
    let change = 0;
    let weightFg = 0;
    let weightBg = 0;
    for (const p of patterns) {
      weightFg += counts[p] * posterior[p];
      weightBg += counts[p] * (1 - posterior[p]);
    }
    for (let j = 0; j < k; j++) {
      let hitFg = 0;
      let hitBg = 0;
      for (const p of patterns) {
        if ((p >> j) & 1) hitFg += counts[p] * posterior[p];
        else hitBg += counts[p] * (1 - posterior[p]);
      }
      const clamp = (x: number) => Math.min(1 - RATE_CLAMP, Math.max(RATE_CLAMP, x));
      const nextSensitivity = weightFg > 0 ? clamp(hitFg / weightFg) : sensitivity[j];
      const nextSpecificity = weightBg > 0 ? clamp(hitBg / weightBg) : specificity[j];
      change = Math.max(change, Math.abs(nextSensitivity - sensitivity[j]), Math.abs(nextSpecificity - specificity[j]));
      sensitivity[j] = nextSensitivity;
      specificity[j] = nextSpecificity;
    }
    converged = change < STAPLE_TOLERANCE;
  }

  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = posterior[patternAt(i)] >= 0.5 ? 1 : 0;
  return { volume: { data, shape: volumes[0].shape, spacingMm: volumes[0].spacingMm, source }, sensitivity, specificity, prior, iterations, converged };
}
