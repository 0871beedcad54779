import { scoreCase, summarizeDataset } from '../metrics/segmentation';
import type { CaseScore, DatasetSummary, EmptyRule, LabelScore, LabelVolume } from '../metrics/types';
import { assertSameShape } from '../metrics/volume';
import { pairMaskFolders } from './folder';
import { readMaskFile, type MaskSet } from './read-mask';
import { alignSegSlices } from './seg-alignment';

/** Reads one mask file: readMaskFile in this process by default; the app and the CLI pass core/sandbox's reader thread. */
export type ReadMask = (filePath: string) => Promise<MaskSet>;

export interface ScoreOptions {
  emptyRule: EmptyRule;
  readMask?: ReadMask;
  /** Case name in the result; defaults to the truth's source. */
  name?: string;
}

/**
 * Scores two masks on the same voxel grid. When both are DICOM SEGs, each segment is scored on its
 * own 0/1 mask (label = SegmentNumber), so a voxel in two overlapping segments counts for both;
 * otherwise the label maps are compared label by label. Two SEGs are first put on the union of their
 * slice positions (see seg-alignment.ts).
 */
export function scoreMaskSets(truthMask: MaskSet, predMask: MaskSet, options: ScoreOptions): CaseScore {
  const name = options.name ?? truthMask.source;
  if (!truthMask.segments || !predMask.segments) return scoreCase(truthMask.volume, predMask.volume, { name, emptyRule: options.emptyRule });
  // Two SEGs may store different slices of the same series: compare them slice position by slice position.
  const [truth, pred] = alignSegSlices(truthMask, predMask);
  const truthSegments = truth.segments ?? truthMask.segments;
  const predSegments = pred.segments ?? predMask.segments;

  assertSameShape(truth.volume, pred.volume);
  const segmentNumbers = [...new Set([...truthSegments.keys(), ...predSegments.keys()])].sort((a, b) => a - b);
  const labels: LabelScore[] = [];
  for (const segmentNumber of segmentNumbers) {
    const truthSegment = truthSegments.get(segmentNumber)?.volume ?? emptyLike(truth.volume);
    const predSegment = predSegments.get(segmentNumber)?.volume ?? emptyLike(pred.volume);
    const binary = scoreCase(truthSegment, predSegment, { emptyRule: options.emptyRule });
    const foreground = binary.labels.find((l) => l.label === 1);
    if (foreground) labels.push({ ...foreground, label: segmentNumber });
  }
  if (labels.length === 0) return scoreCase(truth.volume, pred.volume, { name, emptyRule: options.emptyRule });
  // Same definition as scoreCase: means over the labels present in truth or prediction.
  const meanOf = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    name,
    labels,
    miou: meanOf(labels.map((l) => l.iou as number)),
    meanDice: meanOf(labels.map((l) => l.dice as number)),
    empty: false,
  };
}

function emptyLike(volume: LabelVolume): LabelVolume {
  return { data: new Uint8Array(volume.data.length), shape: volume.shape, spacingMm: volume.spacingMm, source: volume.source };
}

export async function scoreMaskFiles(truthPath: string, predPath: string, options: ScoreOptions): Promise<CaseScore> {
  const readMask = options.readMask ?? readMaskFile;
  const [truth, pred] = await Promise.all([readMask(truthPath), readMask(predPath)]);
  return scoreMaskSets(truth, pred, { ...options, name: options.name ?? truthPath });
}

export interface ScoredCase {
  truthPath: string;
  predPath: string;
  score: CaseScore;
}

export interface PairError {
  truth: string | null;
  pred: string | null;
  message: string;
}

export interface DatasetScore {
  cases: ScoredCase[];
  summary: DatasetSummary;
  onlyInTruth: string[];
  onlyInPred: string[];
  /** Pairs that could not be scored (unreadable file, shape mismatch, ambiguous stem), each with its reason. */
  errors: PairError[];
  /** Files in either folder that are not masks by extension (prefixed `truth/` or `pred/`). */
  ignored: string[];
}

export interface DatasetOptions {
  emptyRule: EmptyRule;
  readMask?: ReadMask;
  /** Called after each pair: how many are done of how many, and the case just finished. */
  onProgress?: (done: number, total: number, caseKey: string) => void;
  signal?: AbortSignal;
}

/** Pairs two folders by file stem and scores every pair; nothing unpaired or failing is dropped silently. */
export async function scoreMaskFolders(truthDir: string, predDir: string, options: DatasetOptions): Promise<DatasetScore> {
  const pairing = await pairMaskFolders(truthDir, predDir);
  const cases: ScoredCase[] = [];
  const errors: PairError[] = pairing.problems.map((p) => ({
    truth: p.truthPaths.join(', ') || null,
    pred: p.predPaths.join(', ') || null,
    message: p.message,
  }));
  let done = 0;
  for (const pair of pairing.pairs) {
    options.signal?.throwIfAborted();
    try {
      const score = await scoreMaskFiles(pair.truthPath, pair.predPath, { emptyRule: options.emptyRule, name: pair.truthPath, readMask: options.readMask });
      cases.push({ truthPath: pair.truthPath, predPath: pair.predPath, score });
    } catch (e) {
      errors.push({ truth: pair.truthPath, pred: pair.predPath, message: e instanceof Error ? e.message : String(e) });
    }
    options.onProgress?.(++done, pairing.pairs.length, pair.key);
  }
  return {
    cases,
    summary: summarizeDataset(
      cases.map((c) => c.score),
      options.emptyRule,
    ),
    onlyInTruth: pairing.onlyInTruth,
    onlyInPred: pairing.onlyInPred,
    errors,
    ignored: pairing.ignored,
  };
}
