import { describe, expect, it } from 'vitest';
import { allocateMask, placeChunk, slicesPerChunk } from './maskVolume';
import { sliceAtX, sliceTicks, barX, defaultLayout } from './chartGeometry';

describe('placeChunk', () => {
  it('places each slice range at its offset in the whole volume', () => {
    const target = allocateMask('uint16', 2 * 1 * 3);
    placeChunk(target, { maskSetId: 'mask-1', shape: [2, 1, 3], zStart: 1, zCount: 2, dtype: 'uint16', labels: Uint16Array.from([300, 0, 7, 65535]) });
    placeChunk(target, { maskSetId: 'mask-1', shape: [2, 1, 3], zStart: 0, zCount: 1, dtype: 'uint16', labels: Uint16Array.from([1, 2]) });
    expect(Array.from(target)).toEqual([1, 2, 300, 0, 7, 65535]);
  });

  it('rejects a chunk whose label count does not match its slices', () => {
    const target = allocateMask('uint8', 4);
    expect(() => placeChunk(target, { maskSetId: 'mask-1', shape: [2, 2, 1], zStart: 0, zCount: 1, dtype: 'uint8', labels: Uint8Array.from([1]) })).toThrow(/expected 4/);
  });

  it('rejects labels of another type than the dtype says (set() would convert them silently)', () => {
    const target = allocateMask('uint8', 2);
    expect(() => placeChunk(target, { maskSetId: 'mask-1', shape: [2, 1, 1], zStart: 0, zCount: 1, dtype: 'uint8', labels: Uint16Array.from([1, 300]) })).toThrow(/Uint16Array, expected the Uint8Array/);
  });

  it('asks for at least one slice and never more than the volume has', () => {
    expect(slicesPerChunk([512, 512, 400], 4)).toBe(8);
    expect(slicesPerChunk([4096, 4096, 3], 4)).toBe(1);
    expect(slicesPerChunk([4, 4, 3], 1)).toBe(3);
  });
});

describe('chart geometry', () => {
  it('maps an x position back to the slice whose bar it is on', () => {
    const count = 10;
    for (const z of [0, 4, 9]) {
      const bar = barX(defaultLayout, z, count);
      expect(sliceAtX(defaultLayout, bar.x + bar.width / 2, count)).toBe(z);
    }
    expect(sliceAtX(defaultLayout, -50, count)).toBe(0);
    expect(sliceAtX(defaultLayout, 10_000, count)).toBe(9);
  });

  it('labels the first and last slice among a few ticks', () => {
    expect(sliceTicks(3)).toEqual([0, 1, 2]);
    const ticks = sliceTicks(100);
    expect(ticks[0]).toBe(0);
    expect(ticks.at(-1)).toBe(99);
    expect(ticks.length).toBeLessThanOrEqual(6);
  });
});
