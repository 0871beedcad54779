import { describe, expect, it } from 'vitest';
import type { LabelArray, LabelVolume } from '../metrics/types';
import { sliceScores, sliceScoresByCase } from './mask-scoring';

const volume = (data: LabelArray, shape: [number, number, number]): LabelVolume => ({ data, shape, spacingMm: [1, 1, 1], source: 'test' });

/** Deterministic pseudo-random labels (a linear congruential generator), sparse like real masks. */
function randomLabels<T extends LabelArray>(array: T, labels: number[], seed: number): T {
  let state = seed;
  for (let i = 0; i < array.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const r = state / 2 ** 32;
    array[i] = r < 0.6 ? 0 : labels[Math.floor(((r - 0.6) / 0.4) * labels.length)];
  }
  return array;
}

describe('sliceScores', () => {
  it('gives the hand-counted value per slice, null on an empty slice', () => {
    // Slice 0: label 1 truth {0,1}, pred {1,2} → 1/3; label 2 only in pred {3} → 0 → mean 1/6.
    // Slice 1: empty in both. Slice 2: label 3 in both at {0} → 1.
    const truth = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]);
    const pred = Uint8Array.from([0, 1, 1, 2, 0, 0, 0, 0, 3, 0, 0, 0]);
    const { miou, byLabel } = sliceScores(volume(truth, [2, 2, 3]), volume(pred, [2, 2, 3]));
    expect(miou[0]).toBeCloseTo(1 / 6, 12);
    expect(miou[1]).toBeNull();
    expect(miou[2]).toBe(1);
    expect([...byLabel.keys()].sort()).toEqual([1, 2, 3]);
    expect(byLabel.get(1)![0]).toBeCloseTo(1 / 3, 12);
    expect(byLabel.get(1)!.slice(1)).toEqual([null, null]);
    expect(byLabel.get(2)).toEqual([0, null, null]);
    expect(byLabel.get(3)).toEqual([null, null, 1]);
  });

  it('agrees with the per-case scorer on random 8- and 16-bit volumes (odd and word-aligned slices)', () => {
    for (const shape of [
      [17, 9, 6],
      [16, 8, 6],
    ] as [number, number, number][]) {
      const n = shape[0] * shape[1] * shape[2];
      const pairs: [LabelArray, LabelArray][] = [
        [randomLabels(new Uint8Array(n), [1, 2, 7, 255], 1), randomLabels(new Uint8Array(n), [1, 2, 7, 255], 2)],
        [randomLabels(new Uint16Array(n), [1, 300, 65535], 3), randomLabels(new Uint8Array(n), [1, 9], 4)],
      ];
      // Whole background words next to foreground: the word-skipping path must not drop voxels.
      const sparse = new Uint8Array(n);
      sparse[5] = 1;
      sparse[n - 1] = 2;
      pairs.push([sparse, randomLabels(new Uint8Array(n), [1, 2], 5)]);
      for (const [t, p] of pairs) {
        const fast = sliceScores(volume(t, shape), volume(p, shape));
        const reference = sliceScoresByCase(volume(t, shape), volume(p, shape));
        const same = (a: (number | null)[], b: (number | null)[]) => {
          expect(a).toHaveLength(shape[2]);
          a.forEach((value, z) => (b[z] === null ? expect(value).toBeNull() : expect(value).toBeCloseTo(b[z]!, 12)));
        };
        same(fast.miou, reference.miou);
        expect([...fast.byLabel.keys()].sort((x, y) => x - y)).toEqual([...reference.byLabel.keys()].sort((x, y) => x - y));
        for (const [label, series] of reference.byLabel) same(fast.byLabel.get(label)!, series);
      }
    }
  });

  it('falls back to the per-case scorer for signed labels', () => {
    const t = Int16Array.from([-5, 0, 1, 1]);
    const p = Int16Array.from([-5, 0, 1, 0]);
    expect(sliceScores(volume(t, [2, 2, 1]), volume(p, [2, 2, 1])).miou[0]).toBeCloseTo((1 + 0.5) / 2, 12);
  });
});
