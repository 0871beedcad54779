import { describe, expect, it } from 'vitest';
import { majorityVote, pairwiseAgreement, stapleBinary } from './agreement';
import { volume } from './test-volumes';

const row = (values: number[], source: string) => volume(Uint8Array.from(values), [values.length, 1, 1], source);

// idx: 0 1 2 3 4 5
const A = row([1, 1, 0, 0, 2, 0], 'reader-A');
const B = row([1, 0, 0, 0, 2, 2], 'reader-B');
const C = row([1, 1, 1, 0, 0, 0], 'reader-C');

describe('pairwiseAgreement', () => {
  it('per-label and mean IoU / Dice matrices, worked by hand', () => {
    // label 1: A {0,1}, B {0}, C {0,1,2} → IoU A·B 1/2, A·C 2/3, B·C 1/3
    // label 2: A {4}, B {4,5}, C {} → IoU A·B 1/2, A·C 0, B·C 0; C–C never marked it → null
    // mean IoU: A·B (1/2 + 1/2)/2 = 1/2, A·C (2/3 + 0)/2 = 1/3, B·C (1/3 + 0)/2 = 1/6
    const m = pairwiseAgreement([A, B, C]);
    expect(m.annotators).toEqual(['reader-A', 'reader-B', 'reader-C']);
    expect(m.labels).toEqual([1, 2]);
    const label1 = m.perLabel[0].iou;
    expect(label1[0][1]).toBe(0.5);
    expect(label1[1][0]).toBe(0.5);
    expect(label1[0][2]).toBeCloseTo(2 / 3, 12);
    expect(label1[1][2]).toBeCloseTo(1 / 3, 12);
    expect(label1[0][0]).toBe(1);
    expect(m.perLabel[1].iou).toEqual([
      [1, 0.5, 0],
      [0.5, 1, 0],
      [0, 0, null],
    ]);
    // Dice for label 1 A·C: 2·2/(2 + 3) = 4/5
    expect(m.perLabel[0].dice[0][2]).toBeCloseTo(0.8, 12);
    expect(m.meanIou[0][1]).toBe(0.5);
    expect(m.meanIou[2][0]).toBeCloseTo(1 / 3, 12);
    expect(m.meanIou[1][2]).toBeCloseTo(1 / 6, 12);
    expect(m.meanIou[1][1]).toBe(1);
  });

  it('needs two annotators on the same grid', () => {
    expect(() => pairwiseAgreement([A])).toThrow(/at least two/);
    expect(() => pairwiseAgreement([A, row([1, 0], 'reader-D')])).toThrow(/reader-A.*reader-D/);
  });
});

describe('majorityVote', () => {
  it('plurality per voxel with background as a vote', () => {
    // voxel 0: 1,1,1 → 1; 1: 1,0,1 → 1; 2: 0,0,1 → 0; 3: 0,0,0 → 0; 4: 2,2,0 → 2; 5: 0,2,0 → 0
    const consensus = majorityVote([A, B, C]);
    expect([...consensus.data]).toEqual([1, 1, 0, 0, 2, 0]);
    expect(consensus.data).toBeInstanceOf(Uint8Array);
    expect(consensus.shape).toEqual([6, 1, 1]);
  });

  it('ties go to background', () => {
    // two readers 1 vs 0 → tie → 0; three readers 1,2,0 → three-way tie → 0;
    // four readers 1,1,2,0 → 1 has the most votes (2) → 1; four readers 1,1,2,2 → tie → 0
    expect([...majorityVote([row([1], 'a'), row([0], 'b')]).data]).toEqual([0]);
    expect([...majorityVote([row([1], 'a'), row([2], 'b'), row([0], 'c')]).data]).toEqual([0]);
    expect([...majorityVote([row([1, 1], 'a'), row([1, 1], 'b'), row([2, 2], 'c'), row([0, 2], 'd')]).data]).toEqual([1, 0]);
  });

  it('mixed array types give a wide label array', () => {
    const wide = volume(Uint16Array.from([1000, 0]), [2, 1, 1], 'wide');
    const consensus = majorityVote([wide, volume(Uint16Array.from([1000, 0]), [2, 1, 1], 'w2'), row([0, 0], 'narrow')]);
    expect(consensus.data).toBeInstanceOf(Int32Array);
    expect([...consensus.data]).toEqual([1000, 0]);
  });
});

describe('stapleBinary', () => {
  const n = 10_000;
  const truth = Array.from({ length: n }, (_, i) => (i < 1000 ? 1 : 0));
  const rater = (f: (i: number, t: number) => number, name: string) => row(truth.map((t, i) => f(i, t)), name);

  it('estimates each rater: a perfect one, one that misses half, one that marks extra', () => {
    const result = stapleBinary([
      rater((_, t) => t, 'perfect-1'),
      rater((_, t) => t, 'perfect-2'),
      rater((i, t) => (t && i % 2 === 0 ? 1 : 0), 'half'),
      rater((i, t) => (t || (i >= 5000 && i < 6000) ? 1 : 0), 'extra'),
    ]);
    expect(result.converged).toBe(true);
    expect([...result.volume.data]).toEqual(truth);
    expect(result.sensitivity[0]).toBeCloseTo(1, 5);
    expect(result.sensitivity[2]).toBeCloseTo(0.5, 5);
    expect(result.specificity[3]).toBeCloseTo(1 - 1000 / 9000, 5);
    expect(result.specificity[0]).toBeCloseTo(1, 5);
    expect(result.prior).toBeCloseTo((1000 + 1000 + 500 + 2000) / (4 * n), 12);
  });

  it('keeps what two reliable raters agree on where the majority vote loses it', () => {
    // Raters 3–5 each mark 40 % of the structure (overlapping) and nothing else; voxels with i % 5 = 4
    // are marked by r1 and r2 only: 2 of 5 votes.
    const volumes = [
      rater((_, t) => t, 'r1'),
      rater((_, t) => t, 'r2'),
      rater((i, t) => (t && i % 5 < 2 ? 1 : 0), 'r3'),
      rater((i, t) => (t && i % 5 >= 1 && i % 5 < 3 ? 1 : 0), 'r4'),
      rater((i, t) => (t && i % 5 >= 2 && i % 5 < 4 ? 1 : 0), 'r5'),
    ];
    const result = stapleBinary(volumes);
    const majority = majorityVote(volumes).data;
    expect([...result.volume.data]).toEqual(truth);
    for (const r of [2, 3, 4]) expect(result.sensitivity[r]).toBeCloseTo(0.4, 5);
    const onlyTwo = truth.map((t, i) => (t && i % 5 === 4 ? i : -1)).filter((i) => i >= 0);
    expect(onlyTwo).toHaveLength(200);
    for (const i of onlyTwo) expect(majority[i]).toBe(0);
  });

  it('needs 2 to 16 inputs on one grid', () => {
    expect(() => stapleBinary([row([1], 'a')])).toThrow(/at least two/);
    expect(() => stapleBinary(Array.from({ length: 17 }, (_, i) => row([1], `r${i}`)))).toThrow(/at most 16/);
  });
});
