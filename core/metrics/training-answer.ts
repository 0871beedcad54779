/**
 * The answer normalisation of the model's own evaluation (models/training/captions.py
 * `normalise_answer`): lowercase, split into the training tokenizer's words (runs of [a-z0-9], or any
 * other single non-space character), drop the articles a/an/the, join with single spaces.
 *
 * It is deliberately not `normalizeAnswer` (text.ts): that one strips punctuation and maps number
 * words and yes-variants, so it scores other answers as equal; `vesalius eval` must count exactly
 * what `npm run model:eval` counts. Parity: core/metrics/fixtures/answer-normalisation-python.json,
 * written by models/training/answer_parity.py.
 */

/** Python's `\s` in a str pattern (str.isspace): JavaScript's `\s` lacks U+001C–U+001F and U+0085 and adds U+FEFF. */
const PYTHON_SPACE = '\\t\\n\\v\\f\\r \\u001c-\\u001f\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** tokenizer.py SPLIT_PATTERN, matched per code point as Python's `re` does. */
const TRAINING_WORD = new RegExp(`[a-z0-9]+|[^a-z0-9${PYTHON_SPACE}]`, 'gu');
const ARTICLES = new Set(['a', 'an', 'the']);

/** tokenizer.py `split_words`: the lowercased text's training words. */
export const trainingWords = (text: string): string[] => Array.from(text.toLowerCase().matchAll(TRAINING_WORD), (m) => m[0]);

/** captions.py `normalise_answer`: the form two answers must share to count as an exact match. */
export function normaliseTrainingAnswer(text: string): string {
  return trainingWords(text).filter((w) => !ARTICLES.has(w)).join(' ');
}
