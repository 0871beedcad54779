import { describe, expect, it } from 'vitest';
import { accuracy, auroc, aurocOneVsRest, macroF1 } from './classification';

describe('accuracy and macro-F1', () => {
  it('hand example', () => {
    // truth a a b c, pred a b b d → accuracy 2/4.
    // a: tp 1, fp 0, fn 1 → F1 2/3;  b: tp 1, fp 1, fn 0 → 2/3;
    // c: tp 0, fn 1 → 0;             d (only predicted): fp 1 → 0.  macro = (2/3 + 2/3)/4 = 1/3
    const truth = ['a', 'a', 'b', 'c'];
    const pred = ['a', 'b', 'b', 'd'];
    expect(accuracy(truth, pred)).toBe(0.5);
    const f1 = macroF1(truth, pred);
    expect(f1.macroF1).toBeCloseTo(1 / 3, 12);
    expect(f1.perClass.map((c) => [c.label, c.tp, c.fp, c.fn])).toEqual([
      ['a', 1, 0, 1],
      ['b', 1, 1, 0],
      ['c', 0, 0, 1],
      ['d', 0, 1, 0],
    ]);
  });

  it('empty input → null; length mismatch → error', () => {
    expect(accuracy([], [])).toBeNull();
    expect(macroF1([], []).macroF1).toBeNull();
    expect(() => accuracy([1], [1, 2])).toThrow(/1 truth labels but 2 predictions/);
  });
});

describe('AUROC', () => {
  it('hand example without ties', () => {
    // positives 0.9, 0.4; negatives 0.6, 0.1. Pairs (pos > neg): 0.9>0.6 ✓ 0.9>0.1 ✓ 0.4>0.6 ✗ 0.4>0.1 ✓ → 3/4
    expect(auroc([true, true, false, false], [0.9, 0.4, 0.6, 0.1])).toBe(0.75);
  });

  it('ties count one half (Mann–Whitney mid-ranks)', () => {
    // positives 0.5, 0.8; negatives 0.5, 0.2. Pairs: 0.5~0.5 → ½, 0.5>0.2, 0.8>0.5, 0.8>0.2 → 3.5/4.
    // By ranks: 0.2→1, 0.5,0.5→2.5, 0.8→4; positive rank sum 6.5; U = 6.5 − 2·3/2 = 3.5.
    expect(auroc([true, false, true, false], [0.5, 0.5, 0.8, 0.2])).toBe(0.875);
    // All scores equal → 0.5
    expect(auroc([true, false, false], [1, 1, 1])).toBe(0.5);
  });

  it('undefined without both classes; NaN rejected', () => {
    expect(auroc([true, true], [0.1, 0.2])).toBeNull();
    expect(() => auroc([true, false], [NaN, 0])).toThrow(/NaN/);
  });

  it('one-vs-rest macro over classes with positives and negatives', () => {
    // truth a b c a; class scores per sample [a, b, c]:
    // a: positives {0.8, 0.3}, negatives {0.1, 0.2} → all 4 pairs ✓ → 1
    // b: positive {0.7}, negatives {0.1, 0.1, 0.6} → 3/3 → 1
    // c: positive {0.2}, negatives {0.1, 0.2, 0.1}: >, ~, > → 2.5/3
    // d: never in truth → null, left out. macro = (1 + 1 + 5/6)/3 = 17/18
    const result = aurocOneVsRest(
      ['a', 'b', 'c', 'a'],
      [
        [0.8, 0.1, 0.1, 0],
        [0.1, 0.7, 0.2, 0],
        [0.2, 0.1, 0.2, 0],
        [0.3, 0.6, 0.1, 0],
      ],
      ['a', 'b', 'c', 'd'],
    );
    expect(result.perClass.map((p) => p.auroc)).toEqual([1, 1, 2.5 / 3, null]);
    expect(result.macroAuroc).toBeCloseTo(17 / 18, 12);
  });
});
