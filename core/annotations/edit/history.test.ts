import { describe, expect, it } from 'vitest';
import { cloneContent } from '../delta';
import type { SegmentationContent } from '../model';
import { randomMask } from '../test-masks';
import { paintStroke } from './brush';
import { deltaOfChange, mergeChanges } from './changes';
import { EditHistory, HistoryBook, type HistoryOperation } from './history';
import {
  addSegmentOperation,
  compositeOperation,
  deleteSegmentOperation,
  maskChangeOperation,
  measurementAddOperation,
  measurementDeleteOperation,
  measurementMoveOperation,
  updateSegmentOperation,
  type ContentChange,
} from './operations';

const SHAPE = [12, 10, 6] as const;
const twoSegments = (): SegmentationContent => ({
  shape: SHAPE,
  segments: [
    { number: 1, label: 'liver', color: [200, 100, 50] },
    { number: 2, label: 'lesion', color: [20, 200, 50] },
  ],
  masks: new Map([
    [1, randomMask(12 * 10 * 6, 7)],
    [2, randomMask(12 * 10 * 6, 8, 0.1)],
  ]),
});
const brush = (from: [number, number, number], to: [number, number, number]) => ({ fromIjk: from, toIjk: to, radiusMm: 2.5, shape: 'circle' as const, planeNormal: [0, 0, 1] as const });

/** A counter operation: its effects are visible in `log`. */
const counter = (log: string[], label: string, bytes = 10): HistoryOperation => ({ label, bytes, apply: () => log.push(`+${label}`), revert: () => log.push(`-${label}`) });

describe('deltaOfChange', () => {
  it('records exactly the slices a stroke touched, and reverting it restores the mask', () => {
    const content = twoSegments();
    const original = cloneContent(content);
    const mask = content.masks.get(1)!;
    const volume = { shape: SHAPE, spacingMm: [1, 1, 1] as const };
    const changed = mergeChanges(paintStroke(mask, volume, brush([3, 3, 2], [8, 4, 2]), 1), paintStroke(mask, volume, brush([2, 2, 4], [2, 2, 4]), 0));
    const delta = deltaOfChange(content, 1, changed, 'flipped');
    expect(delta.slices.map((s) => s.z)).toEqual([2, 4]);
    const after = cloneContent(content);
    const op = maskChangeOperation(content, delta);
    op.revert();
    expect(content.masks.get(1)).toEqual(original.masks.get(1));
    op.apply();
    expect(content.masks.get(1)).toEqual(after.masks.get(1));
  });

  it('composes flips: a voxel flipped twice drops out; refuses unordered lists', () => {
    expect([...mergeChanges(Uint32Array.of(1, 4, 9), Uint32Array.of(2, 4, 10))]).toEqual([1, 2, 9, 10]);
    expect(() => deltaOfChange(twoSegments(), 1, Uint32Array.of(5, 3), 'flipped')).toThrow(/not ascending/);
    expect(() => deltaOfChange(twoSegments(), 9, Uint32Array.of(1), 'flipped')).toThrow(/no segment 9/);
  });

  it('gives a slice that was empty before a null before', () => {
    const content: SegmentationContent = { shape: [4, 4, 2], segments: [{ number: 1, label: 'a', color: [1, 1, 1] }], masks: new Map([[1, new Uint8Array(32)]]) };
    content.masks.get(1)![17] = 1;
    const delta = deltaOfChange(content, 1, Uint32Array.of(17), 'flipped');
    expect(delta.slices).toEqual([{ segment: 1, z: 1, bits: Uint8Array.of(2, 0), before: null }]);
  });
});

describe('EditHistory', () => {
  it('undoes and redoes in order; a new edit clears redo', () => {
    const log: string[] = [];
    const history = new EditHistory();
    expect(history.undo()).toBeNull();
    history.push(counter(log, 'a'));
    history.perform(counter(log, 'b'));
    expect(history.undo()?.label).toBe('b');
    expect(history.undo()?.label).toBe('a');
    expect(history.canUndo).toBe(false);
    expect(history.redo()?.label).toBe('a');
    expect(history.canRedo).toBe(true);
    history.push(counter(log, 'c'));
    expect(history.canRedo).toBe(false);
    expect(history.redo()).toBeNull();
    expect(history.nextUndoLabel).toBe('c');
    expect(log).toEqual(['+b', '-b', '-a', '+a']);
  });

  it('drops the oldest operations past maxBytes but always keeps the newest', () => {
    const log: string[] = [];
    const history = new EditHistory({ maxBytes: 25 });
    for (const label of ['a', 'b', 'c']) history.push(counter(log, label));
    expect(history.bytes).toBe(20);
    expect(history.undo()?.label).toBe('c');
    expect(history.undo()?.label).toBe('b');
    expect(history.undo()).toBeNull();
    history.clear();
    history.push(counter(log, 'huge', 100));
    expect(history.canUndo).toBe(true);
    history.push(counter(log, 'd'));
    expect(history.undo()?.label).toBe('d');
    expect(history.canUndo).toBe(false);
  });

  it('keeps its place when a revert throws', () => {
    const history = new EditHistory();
    history.push({ label: 'bad', bytes: 1, apply: () => {}, revert: () => { throw new Error('no'); } });
    expect(() => history.undo()).toThrow('no');
    expect(history.canUndo).toBe(true);
    expect(history.canRedo).toBe(false);
  });

  it('keeps one history per series', () => {
    const book = new HistoryBook();
    book.for('s1').push(counter([], 'a'));
    expect(book.for('s1').canUndo).toBe(true);
    expect(book.for('s2').canUndo).toBe(false);
    book.drop('s1');
    expect(book.for('s1').canUndo).toBe(false);
  });
});

describe('history operations', () => {
  it('segment add, rename, recolour: apply and revert, with what to save', () => {
    const content = twoSegments();
    const changes: ContentChange[] = [];
    const history = new EditHistory();
    history.perform(addSegmentOperation(content, { number: 3, label: 'cyst', color: [0, 0, 255] }, { onChange: (c) => changes.push(c) }));
    expect(content.masks.get(3)?.every((v) => v === 0)).toBe(true);
    history.perform(updateSegmentOperation(content, 1, { label: 'Liver' }, { onChange: (c) => changes.push(c) }));
    history.perform(updateSegmentOperation(content, 2, { color: [1, 2, 3] }));
    expect(content.segments.map((s) => s.label)).toEqual(['Liver', 'lesion', 'cyst']);
    expect(content.segments[1].color).toEqual([1, 2, 3]);
    expect(history.nextUndoLabel).toBe('change segment lesion');
    history.undo();
    history.undo();
    expect(changes.at(-1)?.segments?.map((s) => s.label)).toEqual(['liver', 'lesion', 'cyst']);
    history.undo();
    expect(content.segments.map((s) => s.label)).toEqual(['liver', 'lesion']);
    expect(content.masks.has(3)).toBe(false);
    expect(content.segments[1].color).toEqual([20, 200, 50]);
    expect(() => addSegmentOperation(content, { number: 1, label: 'x', color: [0, 0, 0] })).toThrow(/already used/);
    expect(() => updateSegmentOperation(content, 1, { label: '' })).toThrow(/label/);
  });

  it('segment delete takes its voxels and undo brings both back; the saved change lists the restored slices', () => {
    const content = twoSegments();
    const original = cloneContent(content);
    const changes: ContentChange[] = [];
    const history = new EditHistory();
    history.perform(deleteSegmentOperation(content, 1, { onChange: (c) => changes.push(c) }));
    expect(content.masks.has(1)).toBe(false);
    expect(changes[0]).toMatchObject({ edits: [], segments: [{ number: 2 }] });
    history.undo();
    expect(content).toEqual(original);
    expect(changes[1].edits.map((e) => e.z)).toEqual([0, 1, 2, 3, 4, 5]);
    history.redo();
    expect(content.segments.map((s) => s.number)).toEqual([2]);
  });

  it('interleaves strokes with segment edits: undo all restores the start, redo all the end', () => {
    const content = twoSegments();
    const start = cloneContent(content);
    const history = new EditHistory();
    const volume = { shape: SHAPE, spacingMm: [1, 1, 1] as const };
    const stroke = (segment: number, from: [number, number, number], to: [number, number, number], value: 0 | 1) => {
      const changed = paintStroke(content.masks.get(segment)!, volume, brush(from, to), value);
      history.push(maskChangeOperation(content, deltaOfChange(content, segment, changed, 'flipped'), { label: 'brush' }));
    };
    stroke(1, [2, 2, 1], [9, 7, 1], 1);
    history.perform(addSegmentOperation(content, { number: 3, label: 'new', color: [9, 9, 9] }));
    stroke(3, [5, 5, 3], [6, 6, 3], 1);
    history.perform(deleteSegmentOperation(content, 2));
    stroke(1, [4, 4, 1], [4, 4, 5], 0);
    history.perform(updateSegmentOperation(content, 3, { label: 'renamed' }));
    const end = cloneContent(content);
    while (history.canUndo) history.undo();
    expect(content).toEqual(start);
    while (history.canRedo) history.redo();
    expect(content).toEqual(end);
  });

  it('groups operations into one undo step, reverted in reverse order', () => {
    const log: string[] = [];
    const history = new EditHistory();
    history.perform(compositeOperation('erase everywhere', [counter(log, 'a', 3), counter(log, 'b', 4)]));
    expect(history.bytes).toBe(7);
    history.undo();
    expect(log).toEqual(['+a', '+b', '-b', '-a']);
  });

  it('measurement add / move / delete call back with the right measurement', () => {
    type Pin = { id: string; at: number };
    const list = new Map<string, Pin>();
    const callbacks = { save: (m: Pin) => void list.set(m.id, m), remove: (m: Pin) => void list.delete(m.id) };
    const history = new EditHistory();
    history.perform(measurementAddOperation({ id: 'm1', at: 1 }, callbacks));
    history.perform(measurementMoveOperation({ id: 'm1', at: 1 }, { id: 'm1', at: 2 }, callbacks));
    expect(list.get('m1')?.at).toBe(2);
    history.perform(measurementDeleteOperation({ id: 'm1', at: 2 }, callbacks));
    expect(list.size).toBe(0);
    history.undo();
    expect(list.get('m1')?.at).toBe(2);
    history.undo();
    expect(list.get('m1')?.at).toBe(1);
    history.undo();
    expect(list.size).toBe(0);
    history.redo();
    expect(list.get('m1')?.at).toBe(1);
  });
});
