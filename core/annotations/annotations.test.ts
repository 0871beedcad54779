import { describe, expect, it } from 'vitest';
import type { MaskSet } from '../masks/read-mask';
import { countPackedBits, packBits, unpackBits } from './bits';
import { applyDelta, applyEdits, cloneContent, diffContents, packSlice, revertDelta } from './delta';
import { contentFromMaskSet, importProvenance, labelMapOf } from './from-mask-set';
import { contentProblem, provenanceSchema, type SegmentationContent } from './model';
import { randomMask } from './test-masks';

const content = (shape: [number, number, number], seeds: number[]): SegmentationContent => ({
  shape,
  segments: seeds.map((_, i) => ({ number: i + 1, label: `s${i + 1}`, color: [1, 2, 3] })),
  masks: new Map(seeds.map((seed, i) => [i + 1, randomMask(shape[0] * shape[1] * shape[2], seed)])),
});

describe('bit-packing', () => {
  it('round-trips every length, including ones that are not a multiple of 8', () => {
    for (const length of [1, 7, 8, 9, 63, 64, 65, 1000, 4097]) {
      const mask = randomMask(length, length);
      const packed = packBits(mask);
      expect(packed.length).toBe(Math.ceil(length / 8));
      expect(unpackBits(packed, length)).toEqual(mask);
      expect(countPackedBits(packed)).toBe(mask.reduce((a, b) => a + b, 0));
    }
  });

  it('puts the first voxel in the least significant bit and packs a sub-range', () => {
    const mask = Uint8Array.from([9, 9, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect([...packBits(mask, 2, 8)]).toEqual([0b1000_0001]);
  });
});

describe('slice deltas', () => {
  it('records only the changed slices and reverts them exactly', () => {
    const original = content([6, 5, 4], [1, 2]);
    const edited = cloneContent(original);
    const slice = randomMask(30, 99);
    const changes = applyEdits(edited, [
      { segment: 2, z: 3, bits: packBits(slice) },
      { segment: 1, z: 0, bits: null },
      { segment: 1, z: 1, bits: packSlice(original.masks.get(1)!, original.shape, 1) }, // same content: no change
    ]);
    expect(changes.map((c) => [c.segment, c.z])).toEqual([[2, 3], [1, 0]]);
    expect(edited.masks.get(2)!.subarray(90, 120)).toEqual(slice);
    expect(edited.masks.get(1)!.subarray(0, 30).every((v) => v === 0)).toBe(true);
    expect(diffContents(original, edited).map((c) => [c.segment, c.z])).toEqual([[1, 0], [2, 3]]);

    revertDelta(edited, { slices: changes });
    expect(edited.masks).toEqual(original.masks);
    applyDelta(edited, { slices: changes });
    expect(diffContents(original, edited)).toHaveLength(2);
  });

  it('adds and removes segments with the delta and reverts the list', () => {
    const original = content([4, 4, 2], [5]);
    const edited = cloneContent(original);
    const segments = { before: original.segments, after: [...original.segments, { number: 2, label: 'new', color: [0, 0, 0] as [number, number, number] }] };
    applyDelta(edited, { segments, slices: [] });
    expect(edited.masks.get(2)!.every((v) => v === 0)).toBe(true);
    const changes = applyEdits(edited, [{ segment: 2, z: 1, bits: packBits(new Uint8Array(16).fill(1)) }]);
    revertDelta(edited, { segments, slices: changes });
    expect(edited.segments).toEqual(original.segments);
    expect([...edited.masks.keys()]).toEqual([1]);
  });

  it('refuses an edit of an unknown segment, a slice out of range or a wrongly sized slice', () => {
    const c = content([4, 4, 2], [1]);
    expect(() => applyEdits(c, [{ segment: 3, z: 0, bits: null }])).toThrow(/segment 3/);
    expect(() => applyEdits(c, [{ segment: 1, z: 2, bits: null }])).toThrow(/z 2 is outside 0…1/);
    expect(() => applyEdits(c, [{ segment: 1, z: 0, bits: new Uint8Array(3) }])).toThrow(/3 packed bytes, a slice needs 2/);
  });
});

describe('content from a MaskSet', () => {
  const volume = (data: Uint8Array, shape: [number, number, number]) => ({ data, shape, spacingMm: [1, 1, 1] as const, source: 'm.nii' });

  it('makes one segment per label value of a label map, named from the file where it names them', () => {
    const data = Uint8Array.from([0, 1, 1, 3, 0, 3, 0, 0]);
    const maskSet: MaskSet = { source: 'm.nii', format: 'nifti', volume: volume(data, [2, 2, 2]), labelNames: { 3: 'liver' } };
    const c = contentFromMaskSet(maskSet);
    expect(c.segments.map((s) => [s.number, s.label])).toEqual([[1, 'label 1'], [3, 'liver']]);
    expect([...c.masks.get(3)!]).toEqual([0, 0, 0, 1, 0, 1, 0, 0]);
    expect(contentProblem(c)).toBeNull();
    expect(labelMapOf(c)).toEqual(data);
    expect(provenanceSchema.parse(importProvenance(maskSet, 'expert', 'dr a'))).toEqual({ role: 'expert', author: 'dr a', origin: { kind: 'file', path: 'm.nii', format: 'nifti' } });
  });

  it('keeps overlapping SEG segments whole, never flattened', () => {
    const a = Uint8Array.from([1, 1, 0, 0]);
    const b = Uint8Array.from([0, 1, 1, 0]);
    const maskSet: MaskSet = {
      source: 's.dcm',
      format: 'dicom-seg',
      volume: volume(Uint8Array.from([1, 2, 2, 0]), [2, 2, 1]),
      segments: new Map([
        [1, { label: 1, name: 'tumour', voxelCount: 2, volume: volume(a, [2, 2, 1]) }],
        [2, { label: 2, name: 'oedema', voxelCount: 2, volume: volume(b, [2, 2, 1]) }],
      ]),
    };
    const c = contentFromMaskSet(maskSet);
    expect(c.segments.map((s) => s.label)).toEqual(['tumour', 'oedema']);
    expect(c.masks.get(1)).toEqual(a);
    expect(c.masks.get(2)).toEqual(b);
  });

  it('says which content is malformed', () => {
    const c = content([2, 2, 1], [1]);
    c.masks.set(1, new Uint8Array(3));
    expect(contentProblem(c)).toMatch(/segment 1: mask has 3 voxels, the shape 2×2×1 needs 4/);
    expect(contentProblem({ ...c, segments: [c.segments[0], c.segments[0]] })).toMatch(/used twice/);
  });
});
