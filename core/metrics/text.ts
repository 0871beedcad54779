/**
 * Text metrics for captions / reports (BLEU, ROUGE-L, CIDEr-D) and answers (VQA accuracy,
 * token F1). All of them see text through `tokenize`, so scores here are comparable with each
 * other but not digit-for-digit with tools that use another tokenizer (e.g. the PTB tokenizer
 * of the COCO caption code).
 */

const DECIMAL_MARK = '\u0001';

/**
 * Tokenisation: lowercase; a '.' between two digits is kept (decimal numbers such as "3.5"
 * stay one token); apostrophes are deleted ("don't" → "dont"); every other punctuation or
 * symbol character (Unicode P and S classes: "x-ray" → "x ray", "5%" → "5") becomes a space;
 * then split on whitespace.
 */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/(\d)\.(?=\d)/g, `$1${DECIMAL_MARK}`)
    .replace(/['\u2019]/g, '')
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replaceAll(DECIMAL_MARK, '.')
    .split(/\s+/)
    .filter((token) => token.length > 0);
}

export interface CaptionItem {
  candidate: string;
  /** One or more reference texts for the same image/study. */
  references: string[];
}

type NgramCounts = Map<string, number>;

/** Counts of every n-gram of order 1..maxN; keys are tokens joined by single spaces. */
function ngramCounts(tokens: string[], order: number): NgramCounts {
  const counts: NgramCounts = new Map();
  for (let i = 0; i + order <= tokens.length; i++) {
    const key = tokens.slice(i, i + order).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function checkItems(items: CaptionItem[], metric: string): void {
  items.forEach((item, index) => {
    if (item.references.length === 0) throw new Error(`${metric}: item ${index} has no reference text`);
  });
}

export interface BleuResult {
  /** BLEU-1..BLEU-maxN: bleu[n-1] uses precisions of orders 1..n. */
  bleu: number[];
  /** Corpus clipped n-gram precision per order. */
  precisions: number[];
  brevityPenalty: number;
  candidateLength: number;
  referenceLength: number;
}

/**
 * Corpus BLEU (Papineni et al. 2002): per order n, clipped n-gram matches summed over the
 * corpus / candidate n-grams summed over the corpus (a candidate n-gram counts at most as often
 * as it occurs in any single reference); BLEU-N = BP · exp(mean of log p_1..p_N), uniform
 * weights, no smoothing (any p_n = 0 → BLEU-N = 0). BP = 1 if c > r else exp(1 − r/c), c =
 * total candidate length, r = sum of each item's reference length closest to its candidate
 * length (ties → the shorter reference).
 */
export function bleu(items: CaptionItem[], maxN = 4): BleuResult {
  checkItems(items, 'BLEU');
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let candidateLength = 0;
  let referenceLength = 0;
  for (const item of items) {
    const candidate = tokenize(item.candidate);
    const references = item.references.map(tokenize);
    candidateLength += candidate.length;
    let closest = references[0].length;
    for (const ref of references) {
      const gap = Math.abs(ref.length - candidate.length);
      const bestGap = Math.abs(closest - candidate.length);
      if (gap < bestGap || (gap === bestGap && ref.length < closest)) closest = ref.length;
    }
    referenceLength += closest;
    for (let order = 1; order <= maxN; order++) {
      const maxRefCounts = new Map<string, number>();
      for (const ref of references) {
        for (const [gram, count] of ngramCounts(ref, order)) {
          if (count > (maxRefCounts.get(gram) ?? 0)) maxRefCounts.set(gram, count);
        }
      }
      for (const [gram, count] of ngramCounts(candidate, order)) {
        matches[order - 1] += Math.min(count, maxRefCounts.get(gram) ?? 0);
        totals[order - 1] += count;
      }
    }
  }
  const precisions = matches.map((m, i) => (totals[i] === 0 ? 0 : m / totals[i]));
  const brevityPenalty =
    candidateLength === 0 ? 0 : candidateLength > referenceLength ? 1 : Math.exp(1 - referenceLength / candidateLength);
  const scores: number[] = [];
  let logSum = 0;
  for (let n = 1; n <= maxN; n++) {
    logSum += Math.log(precisions[n - 1]);
    scores.push(precisions.slice(0, n).some((p) => p === 0) ? 0 : brevityPenalty * Math.exp(logSum / n));
  }
  return { bleu: scores, precisions, brevityPenalty, candidateLength, referenceLength };
}

/** Length of the longest common subsequence of two token lists (O(|a|·|b|) time, O(|b|) memory). */
export function lcsLength(a: string[], b: string[]): number {
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

export interface CorpusScore {
  /** Mean of the per-item scores. */
  score: number;
  perItem: number[];
}

/**
 * ROUGE-L as in the COCO caption evaluation code: per item, P = max over references of
 * LCS/|candidate|, R = max over references of LCS/|reference| (maxima taken separately),
 * F = (1+β²)·P·R / (R + β²·P) with β = 1.2, 0 when P or R is 0; corpus score = mean F.
 */
export function rougeL(items: CaptionItem[], beta = 1.2): CorpusScore {
  checkItems(items, 'ROUGE-L');
  const perItem = items.map((item) => {
    const candidate = tokenize(item.candidate);
    let precision = 0;
    let recall = 0;
    for (const ref of item.references.map(tokenize)) {
      const lcs = lcsLength(candidate, ref);
      if (candidate.length > 0) precision = Math.max(precision, lcs / candidate.length);
      if (ref.length > 0) recall = Math.max(recall, lcs / ref.length);
    }
    if (precision === 0 || recall === 0) return 0;
    return ((1 + beta * beta) * precision * recall) / (recall + beta * beta * precision);
  });
  return { score: meanOf(perItem), perItem };
}

function meanOf(values: number[]): number {
  if (values.length === 0) return 0;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

interface TfIdfVector {
  /** Per order (index 0 = unigrams): n-gram → tf·idf weight. */
  weights: Map<string, number>[];
  norms: number[];
  /** Length used by the Gaussian penalty: the number of bigrams (see ciderD). */
  length: number;
}

/**
 * CIDEr-D (Vedantam et al. 2015) as implemented in the COCO caption evaluation code:
 * - n-grams of orders 1..4; document frequency df(g) = number of items whose references
 *   (together) contain g, computed over the evaluated corpus; idf(g) = ln(N) − ln(max(1, df(g)))
 *   with N = number of items;
 * - a text's vector per order: raw count × idf;
 * - per order, clipped cosine: Σ_g min(cand_g, ref_g)·ref_g / (|cand|·|ref|) (0 when a norm is 0),
 *   times the Gaussian length penalty exp(−δ²/(2σ²)), σ = 6;
 * - item score = 10 × mean over orders, averaged over the item's references;
 *   corpus score = mean over items.
 * δ follows the reference code exactly: it is the difference in BIGRAM counts (the code's
 * `if n == 1` indexes orders from 0), i.e. the difference in token lengths whenever both texts
 * have at least two tokens.
 */
export function ciderD(items: CaptionItem[], sigma = 6, maxN = 4): CorpusScore {
  checkItems(items, 'CIDEr-D');
  const candidates = items.map((item) => countsByOrder(tokenize(item.candidate), maxN));
  const references = items.map((item) => item.references.map((r) => countsByOrder(tokenize(r), maxN)));

  const documentFrequency = new Map<string, number>();
  for (const refs of references) {
    const seen = new Set<string>();
    for (const ref of refs) for (const counts of ref) for (const gram of counts.keys()) seen.add(gram);
    for (const gram of seen) documentFrequency.set(gram, (documentFrequency.get(gram) ?? 0) + 1);
  }
  const logItemCount = Math.log(items.length);
  const toVector = (counts: NgramCounts[]): TfIdfVector => {
    const weights = counts.map((byGram) => {
      const weighted = new Map<string, number>();
      for (const [gram, tf] of byGram) {
        weighted.set(gram, tf * (logItemCount - Math.log(Math.max(1, documentFrequency.get(gram) ?? 0))));
      }
      return weighted;
    });
    const norms = weights.map((w) => Math.sqrt([...w.values()].reduce((s, v) => s + v * v, 0)));
    let bigrams = 0;
    if (counts.length > 1) for (const tf of counts[1].values()) bigrams += tf;
    return { weights, norms, length: bigrams };
  };

  const perItem = items.map((_, index) => {
    const cand = toVector(candidates[index]);
    let total = 0;
    for (const refCounts of references[index]) {
      const ref = toVector(refCounts);
      const delta = cand.length - ref.length;
      const penalty = Math.exp(-(delta * delta) / (2 * sigma * sigma));
      let orderSum = 0;
      for (let order = 0; order < maxN; order++) {
        let dot = 0;
        for (const [gram, weight] of cand.weights[order]) {
          const refWeight = ref.weights[order].get(gram) ?? 0;
          dot += Math.min(weight, refWeight) * refWeight;
        }
        const normProduct = cand.norms[order] * ref.norms[order];
        orderSum += (normProduct === 0 ? dot : dot / normProduct) * penalty;
      }
      total += orderSum / maxN;
    }
    return (10 * total) / references[index].length;
  });
  return { score: meanOf(perItem), perItem };
}

function countsByOrder(tokens: string[], maxN: number): NgramCounts[] {
  const result: NgramCounts[] = [];
  for (let order = 1; order <= maxN; order++) result.push(ngramCounts(tokens, order));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Answers

const ARTICLES = new Set(['a', 'an', 'the']);
const NUMBER_WORDS: Record<string, string> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8',
  nine: '9', ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15',
  sixteen: '16', seventeen: '17', eighteen: '18', nineteen: '19', twenty: '20',
};
const YES_WORDS = new Set(['yes', 'yeah', 'yep', 'true', 'correct']);
const NO_WORDS = new Set(['no', 'nope', 'false', 'incorrect']);

/**
 * Answer normalisation for VQA exact match: `tokenize` (lowercase, punctuation stripped), drop
 * the articles a/an/the, number words zero..twenty → digits, and an answer whose first word is
 * a yes-word (yes, yeah, yep, true, correct) or no-word (no, nope, false, incorrect) becomes
 * exactly "yes" / "no" ("Yes, there is." → "yes").
 */
export function normalizeAnswer(answer: string): string {
  const tokens = tokenize(answer)
    .filter((t) => !ARTICLES.has(t))
    .map((t) => NUMBER_WORDS[t] ?? t);
  if (tokens.length > 0 && YES_WORDS.has(tokens[0])) return 'yes';
  if (tokens.length > 0 && NO_WORDS.has(tokens[0])) return 'no';
  return tokens.join(' ');
}

export type AnswerType = 'closed' | 'open';

export interface VqaItem {
  prediction: string;
  /** Accepted reference answer(s); a prediction matching any of them is correct. */
  answers: string | string[];
  /** Given by the dataset; when absent: closed iff every reference normalises to yes/no. */
  answerType?: AnswerType;
}

export interface AccuracyCount {
  correct: number;
  total: number;
  /** correct / total; null when total is 0. */
  accuracy: number | null;
}

export interface VqaResult {
  overall: AccuracyCount;
  closed: AccuracyCount;
  open: AccuracyCount;
  perItem: { correct: boolean; answerType: AnswerType }[];
}

function answerList(answers: string | string[], where: string): string[] {
  const list = typeof answers === 'string' ? [answers] : answers;
  if (list.length === 0) throw new Error(`${where} has no reference answer`);
  return list;
}

/** VQA accuracy by normalised exact match, overall and split into closed (yes/no) and open. */
export function vqaAccuracy(items: VqaItem[]): VqaResult {
  const perItem = items.map((item, index) => {
    const references = answerList(item.answers, `VQA item ${index}`).map(normalizeAnswer);
    const answerType: AnswerType =
      item.answerType ?? (references.every((r) => r === 'yes' || r === 'no') ? 'closed' : 'open');
    const prediction = normalizeAnswer(item.prediction);
    return { correct: references.includes(prediction), answerType };
  });
  const count = (filter: (p: { answerType: AnswerType }) => boolean): AccuracyCount => {
    const subset = perItem.filter(filter);
    const correct = subset.filter((p) => p.correct).length;
    return { correct, total: subset.length, accuracy: subset.length === 0 ? null : correct / subset.length };
  };
  return {
    overall: count(() => true),
    closed: count((p) => p.answerType === 'closed'),
    open: count((p) => p.answerType === 'open'),
    perItem,
  };
}

/**
 * SQuAD-style token F1 of one prediction, the maximum over the reference answers: tokens from
 * `tokenize` with articles removed; overlap = multiset intersection; F1 = 2PR/(P+R); 1 when
 * both are empty, 0 when only one is.
 */
export function tokenF1(prediction: string, answers: string | string[]): number {
  const predTokens = tokenize(prediction).filter((t) => !ARTICLES.has(t));
  let best = 0;
  for (const answer of answerList(answers, `token F1 for prediction "${prediction}"`)) {
    const refTokens = tokenize(answer).filter((t) => !ARTICLES.has(t));
    if (predTokens.length === 0 || refTokens.length === 0) {
      best = Math.max(best, predTokens.length === refTokens.length ? 1 : 0);
      continue;
    }
    const refCounts = new Map<string, number>();
    for (const t of refTokens) refCounts.set(t, (refCounts.get(t) ?? 0) + 1);
    let overlap = 0;
    for (const t of predTokens) {
      const left = refCounts.get(t) ?? 0;
      if (left > 0) {
        overlap++;
        refCounts.set(t, left - 1);
      }
    }
    if (overlap === 0) continue;
    const precision = overlap / predTokens.length;
    const recall = overlap / refTokens.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/** Mean token F1 over items; null for no items. */
export function meanTokenF1(items: { prediction: string; answers: string | string[] }[]): number | null {
  if (items.length === 0) return null;
  return meanOf(items.map((item) => tokenF1(item.prediction, item.answers)));
}
