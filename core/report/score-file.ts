// A scoring run as the file a person exports: the CSV (core/report/csv/score-csv) or the documented JSON
// document. One definition for `vesalius score --csv / --json` and the app's Scoring dock export, so the
// same scores give the same bytes from either.
import path from 'node:path';
import { summarizeDataset } from '../metrics/segmentation';
import type { CaseScore, EmptyRule, LabelScore } from '../metrics/types';
import type { DatasetScore } from '../masks/score-pairs';
import { scoresCsv } from './csv/score-csv';

export type ScoreFileFormat = 'csv' | 'json';

function labelJson(l: LabelScore) {
  return {
    iou: l.iou,
    dice: l.dice,
    precision: l.precision,
    recall: l.recall,
    truth_voxels: l.truthVoxels,
    pred_voxels: l.predVoxels,
    tp: l.tp,
    fp: l.fp,
    fn: l.fn,
    truth_ml: l.truthVolumeMl,
    pred_ml: l.predVolumeMl,
  };
}

/** The documented JSON shape (snake_case; label keys are label values as strings). */
export function scoresJson(result: DatasetScore) {
  const s = result.summary;
  return {
    cases: result.cases.map(({ predPath, score }) => ({
      name: score.name,
      pred: predPath,
      labels: Object.fromEntries(score.labels.map((l) => [String(l.label), labelJson(l)])),
      miou: score.miou,
      mean_dice: score.meanDice,
      empty: score.empty,
    })),
    miou: s.miou.mean,
    median_miou: s.miou.median,
    min_miou: s.miou.min,
    max_miou: s.miou.max,
    mean_dice: s.meanDice,
    empty_rule: s.emptyRule,
    case_count: s.caseCount,
    scored_case_count: s.scoredCaseCount,
    per_label: Object.fromEntries(s.perLabel.map((p) => [String(p.label), { mean_iou: p.meanIou, mean_dice: p.meanDice, cases: p.cases }])),
    only_in_truth: result.onlyInTruth,
    only_in_pred: result.onlyInPred,
    errors: result.errors,
    ignored: result.ignored,
  };
}

/**
 * The file's text. `truthRoot` is the truth folder (a folder run) or the truth file's folder: CSV case
 * names are relative to it, as the table shows them; '' keeps names as they are (stored segmentations).
 */
export function scoreFileText(result: DatasetScore, format: ScoreFileFormat, truthRoot: string): string {
  if (format === 'json') return `${JSON.stringify(scoresJson(result), null, 2)}\n`;
  return scoresCsv(result, (name) => (truthRoot ? path.relative(truthRoot, name) : '') || name);
}

/**
 * Two stored segmentations' case score (masks.score) as a one-case run; the case is named by the truth's
 * id, a pair that could not be scored is its one error.
 */
export function storedPairRun(truthId: string, predId: string, emptyRule: EmptyRule, scored: { ok: true; caseScore: CaseScore } | { ok: false; message: string }): DatasetScore {
  const cases: DatasetScore['cases'] = scored.ok ? [{ truthPath: truthId, predPath: predId, score: { ...scored.caseScore, name: truthId } }] : [];
  const errors: DatasetScore['errors'] = scored.ok ? [] : [{ truth: truthId, pred: predId, message: scored.message }];
  return { cases, summary: summarizeDataset(cases.map((c) => c.score), emptyRule), onlyInTruth: [], onlyInPred: [], errors, ignored: [] };
}
