import { describe, expect, it } from 'vitest';
import { unpackBits } from '../../../core/annotations/bits';
import { modelSliceSchema } from '../../../core/contract/model-outputs';
import { paintMask } from './maskPaint';
import { modelSliceOf, notFoundText, structureFound } from './modelSlice';

const answer = (mask: number[], extra: { present?: boolean; presenceProbability?: number; probabilityMean?: number } = {}) => ({
  width: 3,
  height: 2,
  mask: Uint8Array.from(mask),
  ...extra,
});

describe('modelSliceOf', () => {
  it('packs a found mask and keeps what the model said, in the contract’s shape', () => {
    const a = answer([0, 1, 1, 0, 255, 0], { present: true, presenceProbability: 0.97, probabilityMean: 0.81 });
    const slice = modelSliceOf(a, paintMask(a.mask, 3, 2), 4, '1.2.3');
    expect(modelSliceSchema.safeParse(slice).success).toBe(true);
    expect(slice).toMatchObject({ z: 4, sopInstanceUid: '1.2.3', present: true, presenceProbability: 0.97, probabilityMean: 0.81 });
    expect(Array.from(unpackBits(slice.bits!, 6))).toEqual([0, 1, 1, 0, 1, 0]);
  });

  it('stores no voxels where the presence head says absent, even if the mask has some', () => {
    const a = answer([1, 1, 0, 0, 0, 0], { present: false, presenceProbability: 0.03, probabilityMean: 0.6 });
    const slice = modelSliceOf(a, paintMask(a.mask, 3, 2), 0, null);
    expect(slice).toEqual({ z: 0, sopInstanceUid: null, present: false, presenceProbability: 0.03, probabilityMean: null, bits: null });
    expect(structureFound(a, 2)).toBe(false);
  });

  it('works with a model without a presence head (0.2.0): an empty mask is not found', () => {
    const empty = answer([0, 0, 0, 0, 0, 0]);
    expect(modelSliceOf(empty, paintMask(empty.mask, 3, 2), 1, null)).toEqual({ z: 1, sopInstanceUid: null, present: null, presenceProbability: null, probabilityMean: null, bits: null });
    const some = answer([1, 0, 0, 0, 0, 0], { probabilityMean: 0.7 });
    expect(modelSliceOf(some, paintMask(some.mask, 3, 2), 1, null).bits).not.toBeNull();
  });

  it('says not found with the presence probability, or that the mask was empty', () => {
    expect(notFoundText(0.0312)).toBe('not found (p = 0.03)');
    expect(notFoundText(null)).toBe('not found (empty mask)');
  });
});
