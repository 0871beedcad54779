import { describe, expect, it } from 'vitest';
import { majorityVote, pairwiseAgreement } from './agreement';
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
