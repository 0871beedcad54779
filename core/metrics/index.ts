// Public API of core/metrics (pure TypeScript: usable from main, the CLI and the renderer).
export type * from './types';
export { scoreCase, summarizeDataset, perSliceIou, type ScoreCaseOptions } from './segmentation';
export { assertSameShape, assertConsistentVolume, voxelVolumeMl, foregroundBoundingBox, type BoundingBox } from './volume';
export { jointHistogram, type JointHistogram, type JointHistogramCell } from './joint-histogram';
export { surfaceDistances, type SurfaceDistances } from './surface';
export { squaredDistanceTransform } from './edt';
export { pairwiseAgreement, majorityVote, stapleBinary, STAPLE_MAX_INPUTS, type AgreementMatrices, type StapleResult } from './agreement';
export {
  tokenize,
  bleu,
  rougeL,
  ciderD,
  lcsLength,
  normalizeAnswer,
  vqaAccuracy,
  tokenF1,
  meanTokenF1,
  type CaptionItem,
  type BleuResult,
  type CorpusScore,
  type VqaItem,
  type VqaResult,
  type AnswerType,
  type AccuracyCount,
} from './text';
export {
  recallAtK,
  hitRateAtK,
  meanReciprocalRank,
  diagonalRanks,
  rankSummary,
  type RetrievalQuery,
} from './retrieval';
export { accuracy, macroF1, auroc, aurocOneVsRest, type ClassLabel, type ClassF1 } from './classification';
export { expectedCalibrationError, calibrationBin } from './calibration';
