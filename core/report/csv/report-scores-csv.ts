// The scores a report version holds (model.ts ScoreRow: a prediction's Dice / IoU per label against a
// ground truth) as one CSV table, the same values the PDF prints.
import type { ScoreRow } from '../model';
import { toCsv } from './csv';

export const REPORT_SCORES_CSV_HEADER = ['study', 'report_version', 'truth', 'prediction', 'label', 'metric', 'value'] as const;

/** One row per score; an empty value is a score that is undefined (the label absent from both masks). */
export function reportScoresCsv(studyKey: string, version: number, scores: readonly ScoreRow[]): string {
  return toCsv(REPORT_SCORES_CSV_HEADER, scores.map((s) => [studyKey, version, s.truth, s.prediction, s.label, s.metric, s.value]));
}
