// Agreement between annotators' segmentations of one series: segments matched by label, pairwise IoU/Dice
// per label (core/metrics kernels), and a consensus (majority vote or STAPLE) as a new segmentation's content.
import { majorityVote, pairwiseAgreement, stapleBinary } from '../metrics/agreement';
import type { LabelVolume } from '../metrics/types';
import { voxelCount, type Segment, type SegmentationContent, type Shape } from './model';

/** One annotator's segmentation as the agreement takes it. */
export interface AgreementInput {
  id: string;
  name: string;
  content: SegmentationContent;
  spacingMm: readonly [number, number, number];
}

export interface LabelAgreement {
  /** The segment label as the first segmentation that has it writes it. */
  label: string;
  /** Per input, the voxels of its segment with that label (0 when it has none). */
  voxelCounts: number[];
  /** iou[i][j] between inputs i and j; null where neither has voxels of this label. */
  iou: (number | null)[][];
  dice: (number | null)[][];
}

export interface SegmentationAgreement {
  /** The inputs' ids, in order; rows and columns of every matrix follow it. */
  ids: string[];
  labels: LabelAgreement[];
  /** Mean over the labels either of the pair marked; 1 where neither marked anything. */
  meanIou: number[][];
  meanDice: number[][];
}

/** Segments are the same structure in two segmentations when their labels match, ignoring case and spacing. */
export const labelKey = (label: string): string => label.trim().replace(/\s+/g, ' ').toLowerCase();

interface MatchedLabel {
  key: string;
  /** The first segment with this label, in input order: its label, colour and codes describe the consensus. */
  first: Segment;
  /** Per input, its mask for this label, or null. */
  masks: (Uint8Array | null)[];
}

function matchLabels(inputs: readonly AgreementInput[]): MatchedLabel[] {
  const byKey = new Map<string, MatchedLabel>();
  inputs.forEach((input, i) => {
    for (const segment of [...input.content.segments].sort((a, b) => a.number - b.number)) {
      const key = labelKey(segment.label);
      let matched = byKey.get(key);
      if (!matched) byKey.set(key, (matched = { key, first: segment, masks: inputs.map(() => null) }));
      // Two segments of one segmentation with the same label: the structure is their union.
      const mask = input.content.masks.get(segment.number) ?? null;
      const held = matched.masks[i];
      if (held && mask) {
        const union = Uint8Array.from(held);
        for (let v = 0; v < union.length; v++) union[v] |= mask[v];
        matched.masks[i] = union;
      } else if (mask) matched.masks[i] = mask;
    }
  });
  return [...byKey.values()];
}

/** Why these inputs cannot be compared (fewer than two, shapes that differ), or null. */
export function agreementProblem(inputs: readonly AgreementInput[]): string | null {
  if (inputs.length < 2) return `agreement needs at least two segmentations of the series, got ${inputs.length}`;
  const [first] = inputs;
  for (const input of inputs.slice(1)) {
    if (input.content.shape.some((n, axis) => n !== first.content.shape[axis])) {
      return `segmentation ${input.id} (${input.name}) is ${input.content.shape.join('×')}, ${first.id} (${first.name}) is ${first.content.shape.join('×')}: they do not cover the same voxels`;
    }
  }
  return null;
}

function volumesOf(matched: MatchedLabel, inputs: readonly AgreementInput[], empty: () => Uint8Array): LabelVolume[] {
  const shape: Shape = inputs[0].content.shape;
  return matched.masks.map((mask, i) => ({ data: mask ?? empty(), shape, spacingMm: inputs[i].spacingMm, source: `${inputs[i].id} ${matched.first.label}` }));
}

const countOnes = (mask: Uint8Array | null): number => {
  if (!mask) return 0;
  let n = 0;
  for (let v = 0; v < mask.length; v++) n += mask[v];
  return n;
};

export function segmentationAgreement(inputs: readonly AgreementInput[]): SegmentationAgreement {
  const problem = agreementProblem(inputs);
  if (problem) throw new RangeError(problem);
  const n = inputs.length;
  let zeros: Uint8Array | null = null;
  const empty = () => (zeros ??= new Uint8Array(voxelCount(inputs[0].content.shape)));
  const labels: LabelAgreement[] = matchLabels(inputs).map((matched) => {
    // Each input's mask is binary, so foreground label 1 of the kernel's result is this structure.
    const scored = pairwiseAgreement(volumesOf(matched, inputs, empty));
    const one = scored.perLabel.find((l) => l.label === 1);
    const nulls = () => Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
    return { label: matched.first.label, voxelCounts: matched.masks.map(countOnes), iou: one?.iou ?? nulls(), dice: one?.dice ?? nulls() };
  });
  const meanOf = (pick: (l: LabelAgreement) => (number | null)[][]) =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => {
        const values = labels.map((l) => pick(l)[i][j]).filter((v): v is number => v !== null);
        return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 1;
      }),
    );
  return { ids: inputs.map((i) => i.id), labels, meanIou: meanOf((l) => l.iou), meanDice: meanOf((l) => l.dice) };
}

export type ConsensusMethod = 'majority-vote' | 'staple';

/** Per label, what STAPLE estimated of each input (in input order). */
export interface RaterEstimate {
  label: string;
  sensitivity: number[];
  specificity: number[];
}

/**
 * The consensus of the inputs, per label: 'majority-vote' keeps a voxel where more than half of them mark
 * it (a tie is left out); 'staple' keeps it where STAPLE's posterior of foreground is at least 0.5 and
 * reports each input's estimated sensitivity and specificity. Segments numbered 1… in the order labels
 * first appear; overlapping structures stay separate masks.
 */
export function consensusContent(inputs: readonly AgreementInput[], method: ConsensusMethod): { content: SegmentationContent; estimates: RaterEstimate[] | null } {
  const problem = agreementProblem(inputs);
  if (problem) throw new RangeError(problem);
  let zeros: Uint8Array | null = null;
  const empty = () => (zeros ??= new Uint8Array(voxelCount(inputs[0].content.shape)));
  const segments: Segment[] = [];
  const masks = new Map<number, Uint8Array>();
  const estimates: RaterEstimate[] = [];
  matchLabels(inputs).forEach((matched, index) => {
    const number = index + 1;
    const volumes = volumesOf(matched, inputs, empty);
    let voted;
    if (method === 'staple') {
      const result = stapleBinary(volumes);
      voted = result.volume.data;
      estimates.push({ label: matched.first.label, sensitivity: result.sensitivity, specificity: result.specificity });
    } else voted = majorityVote(volumes).data;
    segments.push({ ...matched.first, number });
    masks.set(number, voted instanceof Uint8Array ? voted : Uint8Array.from(voted));
  });
  return { content: { shape: inputs[0].content.shape, segments, masks }, estimates: method === 'staple' ? estimates : null };
}
