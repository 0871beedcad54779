import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SegmentLook } from './labelmapDisplay';

// cornerstone is not on the test's page: a display that records what it was asked to do.
const calls: string[] = [];
vi.mock('./labelmapDisplay', () => {
  let next = 0;
  return {
    LabelmapDisplay: class {
      private readonly id = ++next;
      show(segment: number, mask: Uint8Array, look: SegmentLook): void {
        if (look.color[0] === 666) throw new Error('the viewport is gone');
        calls.push(`show ${this.id}:${segment} (${mask.length} voxels)`);
      }
      setLook(segment: number, look: SegmentLook): void {
        calls.push(`look ${this.id}:${segment} ${look.visible ? 'shown' : 'hidden'}`);
      }
      update(segment: number, mask: Uint8Array, slices: Iterable<number>): void {
        calls.push(`update ${this.id}:${segment} slices ${[...slices].join(',')}`);
      }
      remove(segment: number): void {
        calls.push(`remove ${this.id}:${segment}`);
      }
      destroy(): void {
        calls.push(`destroy ${this.id}`);
      }
      attachVolumeViewport(viewportId: string): void {
        calls.push(`attach ${this.id} ${viewportId}`);
      }
      detachVolumeViewport(viewportId: string): void {
        calls.push(`detach ${this.id} ${viewportId}`);
      }
    },
  };
});

const { MaskLayers, changedSlices } = await import('./maskLayers');

const look = (visible = true, color: [number, number, number] = [1, 2, 3]): SegmentLook => ({ color, visible, opacity: 0.5 });
const target = { viewportId: 'stack', referencedImageIds: ['a', 'b'] };
const grid = [2, 1, 2] as const;

describe('MaskLayers', () => {
  beforeEach(() => void calls.splice(0));

  it('copies a mask once, restyles on a new look only, and removes what is no longer asked for', () => {
    const layers = new MaskLayers(target, grid);
    const one = new Uint8Array(4);
    const two = new Uint8Array(4);
    expect(layers.sync([{ key: 'x', name: 'x.nii', shape: grid, segments: [{ number: 1, mask: one, look: look() }, { number: 2, mask: two, look: look() }] }])).toEqual([]);
    expect(calls).toEqual(['show 1:1 (4 voxels)', 'show 1:2 (4 voxels)']);

    calls.splice(0);
    // The same masks: a hidden segment is restyled, an unchanged one left alone, a dropped one removed.
    layers.sync([{ key: 'x', name: 'x.nii', shape: grid, segments: [{ number: 1, mask: one, look: look(false) }] }]);
    expect(calls).toEqual(['look 1:1 hidden', 'remove 1:2']);

    calls.splice(0);
    // A new mask array: only its changed slices are copied (slice 1 of 2 here); a set no longer listed goes whole.
    layers.sync([{ key: 'x', name: 'x.nii', shape: grid, segments: [{ number: 1, mask: Uint8Array.from([0, 0, 1, 0]), look: look(false) }] }, { key: 'y', name: 'y.nii', shape: grid, segments: [] }]);
    expect(calls).toEqual(['update 1:1 slices 1']);
    expect(layers.keys).toEqual({ x: { 1: 1 }, y: {} });
    calls.splice(0);
    layers.sync([{ key: 'y', name: 'y.nii', shape: grid, segments: [] }]);
    expect(calls).toEqual(['destroy 1']);
    layers.destroy();
    expect(calls).toEqual(['destroy 1', 'destroy 2']);
  });

  it('names a mask set that does not fit the stack, or that cornerstone refuses, and shows the others', () => {
    const layers = new MaskLayers(target, grid);
    const problems = layers.sync([
      { key: 'small', name: 'small.nii', shape: [1, 1, 2], segments: [{ number: 1, mask: new Uint8Array(2), look: look() }] },
      { key: 'refused', name: 'refused.dcm', shape: grid, segments: [{ number: 1, mask: new Uint8Array(4), look: look(true, [666, 0, 0]) }] },
      { key: 'fine', name: 'fine.nii', shape: grid, segments: [{ number: 3, mask: Uint8Array.from([0, 1, 1, 0]), look: look() }] },
    ]);
    expect(problems).toEqual([
      'small.nii is 1×1×2 voxels but this series is 2×1×2: it is not drawn',
      'refused.dcm cannot be drawn: the viewport is gone',
    ]);
    expect(layers.keys).toEqual({ fine: { 3: 2 } });
  });
});

describe('MaskLayers on the volume views', () => {
  beforeEach(() => void calls.splice(0));

  it('shows every set on the volume views while asked to, sets synced later too, and takes them all off again', () => {
    const layers = new MaskLayers(target, grid);
    const masks = new Map<string, Uint8Array>();
    const maskOf = (key: string) => masks.get(key) ?? masks.set(key, new Uint8Array(4)).get(key)!;
    const set = (key: string) => ({ key, name: `${key}.nii`, shape: grid, segments: [{ number: 1, mask: maskOf(key), look: look() }] });
    layers.sync([set('truth')]);
    // The mock numbers its displays across the file: this test's first.
    const d = Number(/^show (\d+):/.exec(calls[0] ?? '')?.[1]);
    calls.splice(0);
    layers.showOnVolumeViews(['axial', 'sagittal']);
    expect(calls).toEqual([`attach ${d} axial`, `attach ${d} sagittal`]);

    calls.splice(0);
    // A set shown later goes to the volume views as soon as it is made.
    layers.sync([set('truth'), set('pred')]);
    expect(calls).toEqual([`attach ${d + 1} axial`, `attach ${d + 1} sagittal`, `show ${d + 1}:1 (4 voxels)`]);

    calls.splice(0);
    layers.hideFromVolumeViews();
    expect(calls).toEqual([`detach ${d} axial`, `detach ${d} sagittal`, `detach ${d + 1} axial`, `detach ${d + 1} sagittal`]);
    calls.splice(0);
    // Off the volume views, a new set stays on the stack only.
    layers.sync([set('truth'), set('pred'), set('assistant')]);
    expect(calls).toEqual([`show ${d + 2}:1 (4 voxels)`]);
  });
});

describe('changedSlices', () => {
  it('lists the slices where two masks differ', () => {
    expect(changedSlices(Uint8Array.from([0, 0, 1, 1, 0, 0]), Uint8Array.from([0, 1, 1, 1, 0, 1]), 2)).toEqual([0, 2]);
    expect(changedSlices(new Uint8Array(4), new Uint8Array(4), 2)).toEqual([]);
  });
});
