// A model segmentation scored against the series' expert segmentation, over the slices the model ran on
// (a one-slice prediction is not penalised for the slices it was never asked about). The kernel is core/metrics'.
import type { ModelScore } from '../contract/model-outputs';
import { scoreCase } from '../metrics/segmentation';
import type { SegmentationRecord } from '../store/annotation-store';
import type { StoredMask } from './mask-store';

/** The expert segmentation to score against: the series' ground-truth mark among the experts' when there is one, else the newest expert one. */
export function chooseTruth(records: readonly SegmentationRecord[]): SegmentationRecord | null {
  const experts = records.filter((r) => r.provenance.role === 'expert' && r.deletedAt === null);
  return experts.find((r) => r.groundTruth !== null) ?? experts[experts.length - 1] ?? null;
}

/** The slices a prediction covers: those its provenance lists, or every slice for one stored without them. */
export function coveredSlices(pred: StoredMask): number[] {
  const origin = pred.info.provenance.origin;
  const depth = pred.info.shape[2];
  if (origin.kind === 'model' && origin.images) return [...new Set(origin.images.map((i) => i.z))].filter((z) => z < depth).sort((a, b) => a - b);
  return Array.from({ length: depth }, (_, z) => z);
}

const sameLabel = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The segments of `mask` that stand for `prompt`: the one(s) named like it, else all of them. */
function segmentsFor(mask: StoredMask, prompt: string | null): { number: number; label: string }[] {
  const all = mask.info.segments.map((s) => ({ number: s.number, label: s.label }));
  const named = prompt === null ? [] : all.filter((s) => sameLabel(s.label, prompt));
  return named.length ? named : all;
}

/** The union of some segments on the chosen slices, as one 0/1 volume of depth slices.length. */
function unionOnSlices(mask: StoredMask, numbers: readonly number[], slices: readonly number[]): Uint8Array {
  const [width, height] = mask.info.shape;
  const perSlice = width * height;
  const out = new Uint8Array(perSlice * slices.length);
  for (const number of numbers) {
    const data = mask.maskSet.segments?.get(number)?.volume.data;
    if (!data) continue;
    slices.forEach((z, k) => {
      const from = z * perSlice;
      const to = k * perSlice;
      for (let i = 0; i < perSlice; i++) if (data[from + i]) out[to + i] = 1;
    });
  }
  return out;
}

/** IoU and Dice of the prediction's mask against the truth's structure over the prediction's slices; a reason when the grids differ. */
export function scoreModelSegmentation(truth: StoredMask, pred: StoredMask): Omit<ModelScore, 'predId' | 'truth'> & { truthSegments: string[] } | string {
  if (truth.info.shape.some((n, i) => n !== pred.info.shape[i])) {
    return `the expert segmentation ${truth.info.name} is ${truth.info.shape.join('×')} but the prediction ${pred.info.name} is ${pred.info.shape.join('×')}; masks are never resampled`;
  }
  const origin = pred.info.provenance.origin;
  const prompt = origin.kind === 'model' ? origin.prompt : null;
  const slices = coveredSlices(pred);
  const truthSegments = segmentsFor(truth, prompt);
  if (slices.length === 0) return { slices, iou: null, dice: null, truthVoxels: 0, predVoxels: 0, truthSegments: truthSegments.map((s) => s.label) };
  const [width, height] = truth.info.shape;
  const shape = [width, height, slices.length] as const;
  const volume = (data: Uint8Array, source: string) => ({ data, shape, spacingMm: truth.info.spacingMm, source });
  const scored = scoreCase(
    volume(unionOnSlices(truth, truthSegments.map((s) => s.number), slices), truth.info.name),
    volume(unionOnSlices(pred, pred.info.segments.map((s) => s.number), slices), pred.info.name),
    { emptyRule: 'skip' },
  );
  const label = scored.labels.find((l) => l.label === 1);
  return {
    slices,
    iou: label?.iou ?? null,
    dice: label?.dice ?? null,
    truthVoxels: label?.truthVoxels ?? 0,
    predVoxels: label?.predVoxels ?? 0,
    truthSegments: truthSegments.map((s) => s.label),
  };
}
