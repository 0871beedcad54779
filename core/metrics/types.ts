/**
 * Shared shapes for segmentation scoring. Volumes are flat typed arrays in x-fastest order
 * (index = x + width * (y + height * z)); a 2-D mask is a volume with depth 1.
 */
export type LabelArray = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;

export interface LabelVolume {
  data: LabelArray;
  /** [width, height, depth] in voxels. */
  shape: readonly [number, number, number];
  /** [x, y, z] voxel size in mm; [1, 1, 1] when unknown. */
  spacingMm: readonly [number, number, number];
  /** Where it came from (file path), used in error messages. */
  source: string;
}

export interface LabelScore {
  label: number;
  tp: number;
  fp: number;
  fn: number;
  /** null when the label is absent from both truth and prediction (undefined ratio). */
  iou: number | null;
  dice: number | null;
  precision: number | null;
  recall: number | null;
  truthVoxels: number;
  predVoxels: number;
  truthVolumeMl: number;
  predVolumeMl: number;
}

/** 'one': a case with no foreground in truth or prediction scores mIoU 1; 'skip': it is left out of means. */
export type EmptyRule = 'one' | 'skip';

export interface CaseScore {
  name: string;
  /** Per foreground label present in truth or prediction, ascending. */
  labels: LabelScore[];
  /** Mean IoU over those labels; 1 or null (skipped) for an empty case depending on the rule. */
  miou: number | null;
  meanDice: number | null;
  empty: boolean;
}

export interface DatasetSummary {
  emptyRule: EmptyRule;
  caseCount: number;
  scoredCaseCount: number;
  miou: { mean: number | null; median: number | null; min: number | null; max: number | null };
  meanDice: number | null;
  /** Mean IoU / Dice per label over the cases where that label is present. */
  perLabel: { label: number; meanIou: number; meanDice: number; cases: number }[];
}
