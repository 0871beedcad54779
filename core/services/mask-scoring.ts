import path from 'node:path';
import type { DatasetCase, DatasetScore, MaskScore } from '../contract/masks';
import { scoreMaskFolders, scoreMaskSets } from '../masks/score-pairs';
import { scoreCase } from '../metrics/segmentation';
import type { EmptyRule, LabelVolume } from '../metrics/types';
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

/**
 * mIoU of each z slice with the case's own definition (mean over the labels present on that slice,
 * label-aware, so a confused label scores 0), null where neither mask has foreground on the slice.
 */
export function sliceMiou(truth: LabelVolume, pred: LabelVolume): (number | null)[] {
  const out: (number | null)[] = [];
  for (let z = 0; z < truth.shape[2]; z++) out.push(scoreCase(sliceOf(truth, z), sliceOf(pred, z), { emptyRule: 'skip' }).miou);
  return out;
}

/** The case table (SEG pairs: segment by segment, overlaps kept) and the per-slice curve. */
export function scoreMaskPair(truth: StoredMask, pred: StoredMask, emptyRule: EmptyRule): Pick<MaskScore, 'caseScore' | 'sliceIou'> {
  const caseScore = scoreMaskSets(truth.maskSet, pred.maskSet, { emptyRule, name: truth.info.path });
  return { caseScore, sliceIou: sliceMiou(truth.maskSet.volume, pred.maskSet.volume) };
}

/** Every paired case of two folders, in the contract's shape; failing pairs become rows with their reason. */
export async function scoreDatasetFolders(
  truthDir: string,
  predDir: string,
  emptyRule: EmptyRule,
  progress: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<DatasetScore> {
  const scored = await scoreMaskFolders(truthDir, predDir, { emptyRule, onProgress: progress.onProgress, signal: progress.signal });
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
