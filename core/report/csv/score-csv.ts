// A scoring run (core/masks/score-pairs DatasetScore) as one CSV table: a row per case and label, a row
// per case (its mIoU and mean Dice), then the dataset's summary rows. The `row` column says which a
// row is, so a spreadsheet can filter on it; values are the kernels' own, at full precision.
import type { DatasetScore } from '../../masks/score-pairs';
import { toCsv, type CsvValue } from './csv';

export const SCORE_CSV_HEADER = ['row', 'case', 'label', 'iou', 'dice', 'precision', 'recall', 'truth_voxels', 'pred_voxels', 'truth_ml', 'pred_ml', 'empty', 'cases'] as const;

/**
 * Row kinds: `label` (one label of one case), `case` (iou = the case's mIoU, dice = its mean Dice),
 * `dataset-label` (mean IoU / Dice of a label over the `cases` it is present in), and `dataset-mean`,
 * `dataset-median`, `dataset-min`, `dataset-max` (the mIoU statistic over the `cases` in the means;
 * the mean row also carries the mean Dice). An empty value is a score that is undefined (null in JSON).
 * `caseName` gives each case's name as the user should read it (e.g. relative to the truth folder).
 */
export function scoresCsv(result: DatasetScore, caseName: (name: string) => string = (name) => name): string {
  const rows: CsvValue[][] = [];
  const blankStats = [null, null, null, null, null, null] as const;
  for (const { score } of result.cases) {
    const name = caseName(score.name);
    for (const l of score.labels) rows.push(['label', name, l.label, l.iou, l.dice, l.precision, l.recall, l.truthVoxels, l.predVoxels, l.truthVolumeMl, l.predVolumeMl, score.empty, null]);
    rows.push(['case', name, null, score.miou, score.meanDice, ...blankStats, score.empty, null]);
  }
  const s = result.summary;
  for (const p of s.perLabel) rows.push(['dataset-label', null, p.label, p.meanIou, p.meanDice, ...blankStats, null, p.cases]);
  const statistic = (kind: string, miou: number | null, dice: number | null): CsvValue[] => [kind, null, null, miou, dice, ...blankStats, null, s.scoredCaseCount];
  rows.push(statistic('dataset-mean', s.miou.mean, s.meanDice), statistic('dataset-median', s.miou.median, null), statistic('dataset-min', s.miou.min, null), statistic('dataset-max', s.miou.max, null));
  return toCsv(SCORE_CSV_HEADER, rows);
}
