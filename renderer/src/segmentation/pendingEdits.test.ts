import { describe, expect, it } from 'vitest';
import { unpackBits } from '../../../core/annotations/bits';
import type { SegmentationContent } from '../../../core/annotations/model';
import { PendingEdits, saveArgsOf, slicesOf } from './pendingEdits';

/** 4×2×3 voxels, segments 1 and 2; segment 1 has one voxel on slice 1. */
function content(): SegmentationContent {
  const one = new Uint8Array(24);
  one[8 + 5] = 1;
  return {
    shape: [4, 2, 3],
    segments: [
      { number: 1, label: 'a', color: [1, 2, 3] },
      { number: 2, label: 'b', color: [4, 5, 6] },
    ],
    masks: new Map([
      [1, one],
      [2, new Uint8Array(24)],
    ]),
  };
}

describe('pending edits of an editor', () => {
  it('collects each changed slice once, with the segment list only when it changed', () => {
    const pending = new PendingEdits();
    expect(pending.empty).toBe(true);
    pending.mark({ edits: [{ segment: 1, z: 1, bits: null }, { segment: 1, z: 1, bits: null }, { segment: 2, z: 0, bits: null }] });
    const batch = pending.take();
    expect(batch).toEqual({ slices: [{ segment: 1, z: 1 }, { segment: 2, z: 0 }], withSegments: false });
    expect(pending.empty).toBe(true);
    pending.mark({ edits: [], segments: [] });
    expect(pending.take()).toEqual({ slices: [], withSegments: true });
  });

  it('packs the current voxels of each slice, and leaves out segments deleted since', () => {
    const c = content();
    const args = saveArgsOf({ slices: [{ segment: 1, z: 1 }, { segment: 1, z: 0 }, { segment: 3, z: 0 }], withSegments: false }, c);
    expect(args.segments).toBeUndefined();
    expect(args.edits.map((e) => [e.segment, e.z])).toEqual([[1, 1], [1, 0]]);
    expect([...unpackBits(args.edits[0].bits!, 8)]).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    // An empty slice is sent as null (stored as nothing).
    expect(args.edits[1].bits).toBeNull();
    const withList = saveArgsOf({ slices: [], withSegments: true }, c);
    expect(withList.segments?.map((s) => s.number)).toEqual([1, 2]);
  });

  it('lists the slices of ascending voxel indices', () => {
    expect(slicesOf(new Uint32Array([0, 3, 8, 9, 23]), 8)).toEqual([0, 1, 2]);
    expect(slicesOf(new Uint32Array([]), 8)).toEqual([]);
  });
});
