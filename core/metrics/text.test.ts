// Reference values below are computed by hand from the definitions cited in text.ts
// (Papineni et al. 2002 for BLEU; the COCO caption evaluation code for ROUGE-L β = 1.2 and
// CIDEr-D; SQuAD's F1), with the arithmetic written next to each expectation.
import { describe, expect, it } from 'vitest';
import { bleu, ciderD, lcsLength, normalizeAnswer, rougeL, tokenF1, meanTokenF1, tokenize, vqaAccuracy } from './text';

describe('tokenize', () => {
  it('lowercases, strips punctuation, keeps decimals, drops apostrophes', () => {
    expect(tokenize('No acute   Fracture.')).toEqual(['no', 'acute', 'fracture']);
    expect(tokenize('A 3.5 cm nodule, right-lower lobe (RLL)!')).toEqual(['a', '3.5', 'cm', 'nodule', 'right', 'lower', 'lobe', 'rll']);
    expect(tokenize("patient's X-ray: don't")).toEqual(['patients', 'x', 'ray', 'dont']);
    expect(tokenize('end.')).toEqual(['end']);
    expect(tokenize('  ')).toEqual([]);
  });
});

describe('BLEU (corpus, clipped precision, brevity penalty)', () => {
  it('one sentence, n-grams counted by hand', () => {
    // cand "the cat sat on the mat", ref "the cat is on the mat" (6 tokens each → BP 1)
    // 1-grams: the×2 (ref the×2) cat on mat match, sat no → 5/6
    // 2-grams: the cat ✓, cat sat ✗, sat on ✗, on the ✓, the mat ✓ → 3/5
    // 3-grams: the cat sat ✗, cat sat on ✗, sat on the ✗, on the mat ✓ → 1/4
    // 4-grams: none of 3 match → 0/3
    // BLEU-1 = 5/6; BLEU-2 = √(5/6 · 3/5) = √0.5; BLEU-3 = ∛(5/6 · 3/5 · 1/4) = ∛(1/8) = 0.5; BLEU-4 = 0
    const r = bleu([{ candidate: 'The cat sat on the mat.', references: ['the cat is on the mat'] }]);
    expect(r.precisions).toEqual([5 / 6, 3 / 5, 1 / 4, 0]);
    expect(r.brevityPenalty).toBe(1);
    expect(r.bleu[0]).toBeCloseTo(5 / 6, 12);
    expect(r.bleu[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.bleu[2]).toBeCloseTo(0.5, 12);
    expect(r.bleu[3]).toBe(0);
  });

  it('brevity penalty uses the closest reference length', () => {
    // cand "the cat" (c = 2), ref "the cat sat down" (r = 4): p1 = 2/2, p2 = 1/1,
    // BP = exp(1 − 4/2) = e^−1 → BLEU-2 = e^−1 ≈ 0.367879
    const short = bleu([{ candidate: 'the cat', references: ['the cat sat down'] }], 2);
    expect(short.brevityPenalty).toBeCloseTo(Math.exp(-1), 12);
    expect(short.bleu[1]).toBeCloseTo(Math.exp(-1), 12);
    // Adding a 2-token reference makes r = 2 (closest) → BP 1
    expect(bleu([{ candidate: 'the cat', references: ['the cat sat down', 'a cat'] }], 2).brevityPenalty).toBe(1);
    // Equal distance (lengths 1 and 3 around c = 2): the shorter wins → r = 1 < c → BP 1
    expect(bleu([{ candidate: 'the cat', references: ['cat', 'the big cat'] }], 1).referenceLength).toBe(1);
  });

  it('clips each n-gram by its maximum count in any single reference', () => {
    // cand "the the the the"; refs "the cat" (the×1), "the the dog" (the×2) → clip 2 → p1 = 2/4
    const r = bleu([{ candidate: 'the the the the', references: ['the cat', 'the the dog'] }], 1);
    expect(r.precisions[0]).toBe(0.5);
  });

  it('corpus level: counts are summed before dividing', () => {
    // item 1: "a b" vs "a b" → 1-grams 2/2; item 2: "c d e f" vs "x y z w" → 0/4. Corpus p1 = 2/6,
    // not the mean of per-item precisions (1 + 0)/2. c = 6 = r → BP 1.
    const r = bleu([
      { candidate: 'a b', references: ['a b'] },
      { candidate: 'c d e f', references: ['x y z w'] },
    ], 1);
    expect(r.bleu[0]).toBeCloseTo(2 / 6, 12);
  });

  it('an item without references is an error', () => {
    expect(() => bleu([{ candidate: 'x', references: [] }])).toThrow(/item 0 has no reference/);
  });
});

describe('ROUGE-L (LCS F-measure, β = 1.2)', () => {
  it('LCS by hand', () => {
    // "the cat sat on the mat" vs "the cat is on the mat": the cat · on the mat → 5
    expect(lcsLength(tokenize('the cat sat on the mat'), tokenize('the cat is on the mat'))).toBe(5);
    // a b c d vs a c e → "a c" → 2
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'e'])).toBe(2);
    expect(lcsLength([], ['a'])).toBe(0);
  });

  it('F-measure with P ≠ R', () => {
    // cand "a b c d", ref "a c e": LCS 2 → P = 2/4, R = 2/3
    // F = (1 + 1.44)·P·R / (R + 1.44·P) = 2.44·(1/3) / (2/3 + 0.72) = 0.813333… / 1.386666… ≈ 0.586538
    const r = rougeL([{ candidate: 'a b c d', references: ['a c e'] }]);
    expect(r.perItem[0]).toBeCloseTo((2.44 / 3) / (2 / 3 + 0.72), 12);
    expect(r.perItem[0]).toBeCloseTo(0.586538, 6);
  });

  it('takes max precision and max recall over references separately; corpus = mean', () => {
    // cand "a b": ref1 "a b c d" → P 1, R 1/2; ref2 "b" → P 1/2, R 1 → P_max 1, R_max 1 → F 1
    // second item with no overlap → 0; corpus mean 0.5
    const r = rougeL([
      { candidate: 'a b', references: ['a b c d', 'b'] },
      { candidate: 'x', references: ['y'] },
    ]);
    expect(r.perItem).toEqual([1, 0]);
    expect(r.score).toBe(0.5);
  });
});

describe('CIDEr-D (corpus document frequency, clipping, σ = 6, ×10)', () => {
  it('two-image corpus, step by step', () => {
    // Image 1: cand "a b b", ref "a b".  Image 2: cand "a c", ref "a c".  N = 2, ln N = L.
    // df over references: a → 2 (both images); b, c, "a b", "a c" → 1. idf = L − ln df: a → 0, others → L.
    // n-grams never in a reference ("b b", "a b b") have df 0 → max(1, 0) = 1 → idf L.
    // Image 1, cand vectors: 1-grams a: 1·0 = 0, b: 2·L → norm 2L; 2-grams "a b": L, "b b": L → norm √2·L;
    //   ref vectors: a: 0, b: L → norm L; "a b": L → norm L; 3-, 4-grams: cand has "a b b", ref none.
    //   order 1: min(2L, L)·L / (2L · L) = 1/2
    //   order 2: (min(L, L)·L + min(L, 0)·0) / (√2 L · L) = 1/√2
    //   orders 3, 4: 0
    //   δ = bigram counts 2 − 1 = 1 → penalty e^(−1/72)
    //   score = 10 · (1/2 + 1/√2)/4 · e^(−1/72) = 10 · 0.3017767 · 0.9862071 ≈ 2.976144
    // Image 2: identical texts: orders 1, 2 cosine 1 (a has weight 0, c weight L), orders 3, 4 empty → 0;
    //   δ = 0 → score = 10 · (1 + 1)/4 = 5
    // CIDEr-D = (2.976144 + 5)/2 ≈ 3.988072
    const r = ciderD([
      { candidate: 'a b b', references: ['a b'] },
      { candidate: 'a c', references: ['a c'] },
    ]);
    const image1 = (10 * (0.5 + Math.SQRT1_2)) / 4 * Math.exp(-1 / 72);
    expect(r.perItem[0]).toBeCloseTo(image1, 12);
    expect(r.perItem[0]).toBeCloseTo(2.976144, 5);
    expect(r.perItem[1]).toBeCloseTo(5, 12);
    expect(r.score).toBeCloseTo(3.988072, 5);
  });

  it('averages over an item’s references', () => {
    // Same corpus, image 2 gets a second reference "x y" (adds df 1 to x, y, "x y").
    // Image 2 vs "a c": as before 5 (δ = 0). Vs "x y": no shared n-gram → 0. Mean 2.5.
    // Image 1 is unchanged (its n-grams' df and N are unchanged) → 2.976144.
    const r = ciderD([
      { candidate: 'a b b', references: ['a b'] },
      { candidate: 'a c', references: ['a c', 'x y'] },
    ]);
    expect(r.perItem[1]).toBeCloseTo(2.5, 12);
    expect(r.perItem[0]).toBeCloseTo(2.976144, 5);
  });

  it('a one-image corpus scores 0 (every idf is ln 1 − ln 1 = 0), as in the reference code', () => {
    expect(ciderD([{ candidate: 'a b', references: ['a b'] }]).score).toBe(0);
  });
});

describe('VQA answers', () => {
  it('normalisation: case, punctuation, articles, number words, yes/no', () => {
    expect(normalizeAnswer('Yes.')).toBe('yes');
    expect(normalizeAnswer('yes, there is a mass')).toBe('yes');
    expect(normalizeAnswer('Nope')).toBe('no');
    expect(normalizeAnswer('Two')).toBe('2');
    expect(normalizeAnswer('the Left Lung')).toBe('left lung');
    expect(normalizeAnswer('An X-ray')).toBe('x ray');
    expect(normalizeAnswer('twenty one')).toBe('20 1');
  });

  it('accuracy split into closed and open, inferred or given', () => {
    const r = vqaAccuracy([
      { prediction: 'Yes', answers: 'yes' }, // closed ✓
      { prediction: 'no.', answers: ['Yes'] }, // closed ✗
      { prediction: 'The left lung', answers: 'left lung' }, // open ✓
      { prediction: 'three', answers: '3' }, // open ✓
      { prediction: 'CT', answers: 'MRI', answerType: 'closed' }, // given closed ✗
      { prediction: 'liver', answers: ['spleen', 'Liver'] }, // open ✓ (any reference)
    ]);
    expect(r.perItem.map((p) => [p.correct, p.answerType])).toEqual([
      [true, 'closed'], [false, 'closed'], [true, 'open'], [true, 'open'], [false, 'closed'], [true, 'open'],
    ]);
    expect(r.overall).toEqual({ correct: 4, total: 6, accuracy: 4 / 6 });
    expect(r.closed).toEqual({ correct: 1, total: 3, accuracy: 1 / 3 });
    expect(r.open).toEqual({ correct: 3, total: 3, accuracy: 1 });
    expect(vqaAccuracy([]).overall.accuracy).toBeNull();
  });

  it('token F1 (SQuAD style)', () => {
    // pred "left upper lobe" vs ref "the upper lobe": tokens {left, upper, lobe} vs {upper, lobe}
    // overlap 2 → P 2/3, R 2/2 → F1 = 2·(2/3)·1/(2/3 + 1) = 0.8
    expect(tokenF1('left upper lobe', 'the upper lobe')).toBeCloseTo(0.8, 12);
    // multiset overlap: pred "a b b" → tokens (article a dropped) {b, b} vs ref {b} → overlap 1, P 1/2, R 1 → 2/3
    expect(tokenF1('a b b', 'b')).toBeCloseTo(2 / 3, 12);
    expect(tokenF1('liver', ['spleen', 'liver'])).toBe(1);
    expect(tokenF1('', 'the')).toBe(1); // both empty after normalisation
    expect(tokenF1('liver', 'spleen')).toBe(0);
    expect(meanTokenF1([{ prediction: 'liver', answers: 'liver' }, { prediction: 'x', answers: 'y' }])).toBe(0.5);
  });
});
