import { describe, expect, it } from 'vitest';
import { topKBySort, topKCosine, unitVector } from './top-k';

/** A seeded generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function unitRows(rows: number, dim: number, next: () => number): Float32Array {
  const matrix = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) matrix.set(unitVector(Array.from({ length: dim }, () => next() * 2 - 1), `row ${r}`), r * dim);
  return matrix;
}

describe('topKCosine', () => {
  it('gives the same rows, order and scores as a full sort on random data', () => {
    const next = random(13);
    for (const [rows, dim, k] of [[500, 16, 10], [1000, 7, 1], [257, 33, 50], [64, 3, 64]]) {
      const matrix = unitRows(rows, dim, next);
      for (let q = 0; q < 5; q++) {
        const query = Array.from({ length: dim }, () => next() * 2 - 1);
        const heap = topKCosine(matrix, dim, query, k);
        const sorted = topKBySort(matrix, dim, query, k);
        expect(heap).toEqual(sorted);
        expect(heap).toHaveLength(k);
        for (let i = 1; i < heap.length; i++) expect(heap[i - 1].score).toBeGreaterThanOrEqual(heap[i].score);
      }
    }
  });

  it('scores are cosines: a row equal to the query scores 1, its opposite −1, whatever the query length', () => {
    const matrix = new Float32Array([1, 0, 0, 0, 1, 0, -1, 0, 0]);
    const ranked = topKCosine(matrix, 3, [5, 0, 0], 3);
    expect(ranked.map((r) => r.row)).toEqual([0, 1, 2]);
    expect(ranked[0].score).toBeCloseTo(1, 6);
    expect(ranked[1].score).toBeCloseTo(0, 6);
    expect(ranked[2].score).toBeCloseTo(-1, 6);
  });

  it('breaks ties by row order, as a stable sort does, also when ties straddle the k-th place', () => {
    // Rows 0..9 alternate between two vectors: five rows tie at the top, five below.
    const matrix = new Float32Array(10 * 2);
    for (let r = 0; r < 10; r++) matrix.set(r % 2 === 0 ? [1, 0] : [0, 1], r * 2);
    const ranked = topKCosine(matrix, 2, [1, 0.5], 3);
    expect(ranked.map((r) => r.row)).toEqual([0, 2, 4]);
    expect(topKCosine(matrix, 2, [1, 0.5], 7).map((r) => r.row)).toEqual([0, 2, 4, 6, 8, 1, 3]);
    expect(topKCosine(matrix, 2, [1, 0.5], 7)).toEqual(topKBySort(matrix, 2, [1, 0.5], 7));
  });

  it('returns every row when k exceeds them, and none for k = 0 or an empty matrix', () => {
    const matrix = unitRows(4, 5, random(2));
    const query = [1, 2, 3, 4, 5];
    expect(topKCosine(matrix, 5, query, 100)).toHaveLength(4);
    expect(topKCosine(matrix, 5, query, 100)).toEqual(topKBySort(matrix, 5, query, 100));
    expect(topKCosine(matrix, 5, query, 0)).toEqual([]);
    expect(topKCosine(new Float32Array(0), 5, query, 3)).toEqual([]);
  });

  it('leaves out the rows include() refuses', () => {
    const matrix = unitRows(50, 4, random(9));
    const ranked = topKCosine(matrix, 4, [1, 1, 0, 0], 10, (row) => row % 3 !== 0);
    expect(ranked.every((r) => r.row % 3 !== 0)).toBe(true);
    expect(ranked).toEqual(topKBySort(matrix, 4, [1, 1, 0, 0], 10, (row) => row % 3 !== 0));
  });

  it('rejects a zero query, a non-finite one and mismatched shapes, in words', () => {
    const matrix = unitRows(3, 4, random(1));
    expect(() => topKCosine(matrix, 4, [0, 0, 0, 0], 2)).toThrow(/zero vector/);
    expect(() => topKCosine(matrix, 4, [1, Number.NaN, 0, 0], 2)).toThrow(/value 1 is NaN/);
    expect(() => topKCosine(matrix, 4, [1, 0, 0], 2)).toThrow(/query has 3 values but the stored vectors have 4/);
    expect(() => topKCosine(matrix, 5, [1, 0, 0, 0, 0], 2)).toThrow(/not a whole number of rows of 5/);
    expect(() => topKCosine(matrix, 4, [1, 0, 0, 0], -1)).toThrow(/k must be/);
  });
});

describe('unitVector', () => {
  it('scales to length 1 and refuses zero vectors', () => {
    const unit = unitVector([3, 4], 'v');
    expect(Array.from(unit)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(() => unitVector([0, 0], 'the stored vector')).toThrow(/the stored vector: is a zero vector/);
  });
});
