// Label maps split into the 0/1 masks cornerstone's labelmap layers show (one layer per segment).
import type { MaskVolume } from './maskVolume';

/** Agreement of truth and prediction at one voxel. */
export type Agreement = 'tp' | 'fp' | 'fn' | 'none';

/**
 * TP: both say the same foreground label. FN: truth has a label the prediction misses there.
 * FP: the prediction has a label truth does not have there — a confused label (truth 1, prediction 2)
 * is an FP for the predicted label, shown red, since the view shows one category per voxel.
 */
export function agreementAt(truthLabel: number, predLabel: number): Agreement {
  if (predLabel !== 0) return predLabel === truthLabel ? 'tp' : 'fp';
  return truthLabel !== 0 ? 'fn' : 'none';
}

/** One 0/1 mask over the whole volume for each of `labels` (x fastest, then y, then z, as the volume). */
export function splitLabels(volume: MaskVolume, labels: readonly number[]): Map<number, Uint8Array> {
  const masks = new Map(labels.map((label) => [label, new Uint8Array(volume.data.length)]));
  const data = volume.data;
  let lastLabel = 0;
  let lastMask: Uint8Array | undefined;
  for (let i = 0; i < data.length; i++) {
    const label = data[i];
    if (label === 0) continue;
    // Labels come in runs: look the mask up only when the label changes.
    if (label !== lastLabel) {
      lastLabel = label;
      lastMask = masks.get(label);
    }
    if (lastMask) lastMask[i] = 1;
  }
  return masks;
}

/** Foreground voxels per label value (background 0 left out). */
export function labelCounts(volume: MaskVolume): Map<number, number> {
  const counts = new Map<number, number>();
  const data = volume.data;
  for (let i = 0; i < data.length; i++) {
    const label = data[i];
    if (label !== 0) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

export type AgreementMasks = Record<Exclude<Agreement, 'none'>, Uint8Array>;

/** The TP, FP and FN voxels of a truth/prediction pair as three 0/1 masks; null when their shapes differ. */
export function agreementMasks(truth: MaskVolume, pred: MaskVolume): AgreementMasks | null {
  if (truth.shape.some((n, i) => n !== pred.shape[i])) return null;
  const total = truth.data.length;
  const masks: AgreementMasks = { tp: new Uint8Array(total), fp: new Uint8Array(total), fn: new Uint8Array(total) };
  for (let i = 0; i < total; i++) {
    const kind = agreementAt(truth.data[i], pred.data[i]);
    if (kind !== 'none') masks[kind][i] = 1;
  }
  return masks;
}
