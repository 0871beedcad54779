import { describe, expect, it } from 'vitest';
import { diagonalRanks, hitRateAtK, meanReciprocalRank, rankSummary, recallAtK } from './retrieval';

describe('retrieval metrics', () => {
  // q1: relevant {b} at rank 2; q2: relevant {x, y} at ranks 1 and 4; q3: relevant {z} never retrieved
  const queries = [
    { ranked: ['a', 'b', 'c'], relevant: ['b'] },
    { ranked: ['x', 'p', 'q', 'y'], relevant: ['x', 'y'] },
    { ranked: ['m', 'n'], relevant: ['z'] },
  ];

  it('Recall@K, hit rate and MRR by hand', () => {
    // R@1: q1 0, q2 1/2, q3 0 → 1/6.  R@2: 1, 1/2, 0 → 1/2.  R@4: 1, 1, 0 → 2/3
    expect(recallAtK(queries, 1)).toBeCloseTo(1 / 6, 12);
    expect(recallAtK(queries, 2)).toBeCloseTo(1 / 2, 12);
    expect(recallAtK(queries, 4)).toBeCloseTo(2 / 3, 12);
    // hit@1: q2 only → 1/3
    expect(hitRateAtK(queries, 1)).toBeCloseTo(1 / 3, 12);
    // MRR: (1/2 + 1/1 + 0)/3 = 1/2
    expect(meanReciprocalRank(queries)).toBe(0.5);
  });

  it('a query without relevant items is an error; no queries → null', () => {
    expect(() => recallAtK([{ ranked: ['a'], relevant: [] }], 1)).toThrow(/query 0 has no relevant item/);
    expect(meanReciprocalRank([])).toBeNull();
  });

  it('ranks from a paired similarity matrix, ties counted against the model', () => {
    // row 0: correct 0.9, best → rank 1; row 1: correct 0.5, one other (0.7) higher → 2;
    // row 2: correct 0.3 tied with 0.3 → rank 2 (pessimistic)
    const ranks = diagonalRanks([
      [0.9, 0.1, 0.2],
      [0.7, 0.5, 0.1],
      [0.3, 0.1, 0.3],
    ]);
    expect(ranks).toEqual([1, 2, 2]);
    // R@1 1/3, R@2 1; MRR (1 + 1/2 + 1/2)/3 = 2/3
    const summary = rankSummary(ranks, [1, 2]);
    expect(summary?.recallAtK[1]).toBeCloseTo(1 / 3, 12);
    expect(summary?.recallAtK[2]).toBe(1);
    expect(summary?.mrr).toBeCloseTo(2 / 3, 12);
    expect(() => diagonalRanks([[1, 2]])).toThrow(/square/);
  });
});
