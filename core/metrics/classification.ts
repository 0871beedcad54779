/**
 * Classification metrics (finding present / absent, study-level labels).
 */

export type ClassLabel = string | number;

function checkPairs(truth: readonly unknown[], other: readonly unknown[], what: string): void {
  if (truth.length !== other.length) {
    throw new Error(`${what}: ${truth.length} truth labels but ${other.length} predictions`);
  }
}

/** Fraction of exact matches; null for no samples. */
export function accuracy(truth: readonly ClassLabel[], pred: readonly ClassLabel[]): number | null {
  checkPairs(truth, pred, 'accuracy');
  if (truth.length === 0) return null;
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === pred[i]) correct++;
  return correct / truth.length;
}

export interface ClassF1 {
  label: ClassLabel;
  tp: number;
  fp: number;
  fn: number;
  f1: number;
}

/**
 * Macro-F1: unweighted mean of per-class F1 = 2tp/(2tp+fp+fn) over every class present in
 * truth ∪ prediction (a class only ever predicted counts, with F1 0, so spurious classes are
 * penalised; a class in neither is not averaged). Classes are listed in first-seen order.
 */
export function macroF1(
  truth: readonly ClassLabel[],
  pred: readonly ClassLabel[],
): { macroF1: number | null; perClass: ClassF1[] } {
  checkPairs(truth, pred, 'macroF1');
  const stats = new Map<ClassLabel, ClassF1>();
  const get = (label: ClassLabel) => {
    let s = stats.get(label);
    if (!s) stats.set(label, (s = { label, tp: 0, fp: 0, fn: 0, f1: 0 }));
    return s;
  };
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === pred[i]) {
      get(truth[i]).tp++;
    } else {
      get(truth[i]).fn++;
      get(pred[i]).fp++;
    }
  }
  const perClass = [...stats.values()];
  for (const s of perClass) s.f1 = (2 * s.tp) / (2 * s.tp + s.fp + s.fn);
  return {
    macroF1: perClass.length === 0 ? null : perClass.reduce((sum, s) => sum + s.f1, 0) / perClass.length,
    perClass,
  };
}

/**
 * Binary AUROC = P(score of a random positive > score of a random negative) + ½·P(tie),
 * computed from mid-ranks (Mann–Whitney U / (n₊·n₋)) in O(n log n). null when there are no
 * positives or no negatives.
 */
export function auroc(isPositive: readonly boolean[], scores: readonly number[]): number | null {
  checkPairs(isPositive, scores, 'auroc');
  scores.forEach((s, i) => {
    if (Number.isNaN(s)) throw new Error(`auroc: score ${i} is NaN`);
  });
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const midRank = (start + end) / 2 + 1; // ranks are 1-based; ties share their mean rank
    for (let i = start; i <= end; i++) {
      if (isPositive[order[i]]) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * Multiclass AUROC, one-vs-rest macro: for each class, AUROC of its score column with that
 * class as positive; the macro mean is over classes that have both positives and negatives
 * in truth (others are reported as null and left out).
 */
export function aurocOneVsRest(
  truth: readonly ClassLabel[],
  scores: readonly (readonly number[])[],
  classes: readonly ClassLabel[],
): { macroAuroc: number | null; perClass: { label: ClassLabel; auroc: number | null }[] } {
  checkPairs(truth, scores, 'aurocOneVsRest');
  scores.forEach((row, i) => {
    if (row.length !== classes.length) {
      throw new Error(`aurocOneVsRest: sample ${i} has ${row.length} scores for ${classes.length} classes`);
    }
  });
  const perClass = classes.map((label, c) => ({
    label,
    auroc: auroc(
      truth.map((t) => t === label),
      scores.map((row) => row[c]),
    ),
  }));
  const defined = perClass.map((p) => p.auroc).filter((a): a is number => a !== null);
  return {
    macroAuroc: defined.length === 0 ? null : defined.reduce((a, b) => a + b, 0) / defined.length,
    perClass,
  };
}
