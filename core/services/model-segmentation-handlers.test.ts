import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packBits } from '../annotations/bits';
import { dispatch } from '../contract/dispatch';
import type { CallName, CallResult } from '../contract/index';
import type { Result } from '../contract/result';
import { createAppService, type AppService } from './app-service';
import type { CallContext } from './context';

// A 4×3 grid of 3 slices of a series that is not imported: the store keeps segmentations by series key.
const SERIES = '1.2.826.0.1.3680043.8.498.5151';
const SHAPE: [number, number, number] = [4, 3, 3];
const ctx: CallContext = { transport: 'direct', caller: 'test' };
/** A 4×3 slice with the given pixels (index x + 4·y) set, bit-packed as the contract carries it. */
const bitsOf = (on: number[]) => packBits(Uint8Array.from({ length: 12 }, (_, i) => (on.includes(i) ? 1 : 0)));
const facts = { sopInstanceUid: null, present: true, presenceProbability: 0.97, probabilityMean: 0.88 };

let tmp: string;
let service: AppService;
const events: string[] = [];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'model-outputs-'));
  service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
  service.events.on('store.changed', ({ seriesKey }) => events.push(seriesKey));
});
afterAll(() => {
  service.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const attempt = (name: CallName, args: unknown) => dispatch(service.handlers, name, args, ctx);
async function call<K extends CallName>(name: K, args: unknown): Promise<CallResult<K>> {
  const result = (await attempt(name, args)) as Result<CallResult<K>>;
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}
const run = (slices: unknown[], extra: Record<string, unknown> = {}) => ({
  seriesKey: SERIES,
  shape: SHAPE,
  model: 'vesalius-vlm-test',
  version: '0.3.0',
  prompt: 'lung',
  scope: 'series',
  complete: true,
  presenceThreshold: 0.5,
  slices,
  ...extra,
});

describe('modelOutputs.* through the contract', () => {
  it('stores a model segmentation with provenance per slice, the absent slice recorded but empty', async () => {
    const before = events.length;
    const info = await call('modelOutputs.saveSegmentation', run([
      { z: 2, ...facts, present: false, presenceProbability: 0.03, probabilityMean: null, bits: null },
      { z: 1, ...facts, sopInstanceUid: '1.2.3.4', bits: bitsOf([0, 1, 5]) },
    ]));
    expect(info.provenance.role).toBe('model');
    expect(info.provenance.origin).toMatchObject({ kind: 'model', name: 'vesalius-vlm-test', version: '0.3.0', prompt: 'lung', scope: 'series', complete: true, presenceThreshold: 0.5 });
    const origin = info.provenance.origin;
    expect(origin.kind === 'model' && origin.images).toEqual([
      { z: 1, sopInstanceUid: '1.2.3.4', present: true, presenceProbability: 0.97, probabilityMean: 0.88 },
      { z: 2, sopInstanceUid: null, present: false, presenceProbability: 0.03, probabilityMean: null },
    ]);
    expect(info.name).toBe('lung · vesalius-vlm-test · whole series');
    expect(info.labels).toEqual([{ value: 1, name: 'lung', voxelCount: 3 }]);
    expect(events.length).toBe(before + 1);
    const data = await call('masks.data', { maskSetId: info.maskSetId, zStart: 1, zCount: 1 });
    expect(Array.from(data.labels)).toEqual([1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('stores nothing when the model found the structure on no slice, and names why', async () => {
    const listed = (await call('masks.list', { seriesKey: SERIES })).maskSets.length;
    const refused = await attempt('modelOutputs.saveSegmentation', run([{ z: 0, ...facts, present: false, presenceProbability: 0.03, probabilityMean: null, bits: null }], { scope: 'slice' }));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toContain('found no “lung” on slice 1; no empty segmentation is stored');
    expect((await call('masks.list', { seriesKey: SERIES })).maskSets.length).toBe(listed);
  });

  it('refuses slices outside the grid, given twice, or of the wrong size', async () => {
    const cases: [unknown[], string][] = [
      [[{ z: 3, ...facts, bits: bitsOf([0]) }], 'slice z 3 is outside'],
      [[{ z: 0, ...facts, bits: bitsOf([0]) }, { z: 0, ...facts, bits: bitsOf([1]) }], 'slice z 0 is given twice'],
      [[{ z: 0, ...facts, bits: new Uint8Array(5) }], 'has 5 packed bytes, a 4×3 slice needs 2'],
    ];
    for (const [slices, reason] of cases) {
      const refused = await attempt('modelOutputs.saveSegmentation', run(slices));
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.message).toContain(reason);
    }
  });

  it('scores against the expert segmentation over the slices the model ran on only', async () => {
    const pred = await call('modelOutputs.saveSegmentation', run([{ z: 0, ...facts, bits: bitsOf([0, 1, 2, 3]) }], { scope: 'slice' }));
    expect(pred.name).toBe('lung · vesalius-vlm-test · slice 1');
    // Nothing to score against yet.
    expect(await call('modelOutputs.score', { predId: pred.maskSetId })).toMatchObject({ truth: null, iou: null, dice: null });

    const expert = await call('masks.create', { seriesKey: SERIES, name: 'expert lungs', shape: SHAPE, segments: [{ number: 1, label: 'Lungs', color: [0, 200, 0] }], role: 'expert' });
    // Truth on slice 0: pixels 2..5 (4 voxels, 2 shared with the prediction); on slice 2 as well, which the model never saw.
    await call('masks.saveSlices', { maskSetId: expert.maskSetId, expectedHead: 1, edits: [{ segment: 1, z: 0, bits: bitsOf([2, 3, 4, 5]) }, { segment: 1, z: 2, bits: bitsOf([0, 1, 2]) }] });
    const score = await call('modelOutputs.score', { predId: pred.maskSetId });
    expect(score.truth).toMatchObject({ maskSetId: expert.maskSetId, name: 'expert lungs', version: 2, segments: ['Lungs'] });
    expect(score.slices).toEqual([0]);
    // tp 2, fp 2, fn 2: IoU 2/6, Dice 4/8.
    expect(score.iou).toBeCloseTo(2 / 6, 12);
    expect(score.dice).toBeCloseTo(0.5, 12);
    expect([score.truthVoxels, score.predVoxels]).toEqual([4, 4]);

    // A newer expert segmentation is preferred, unless the older one is the series' marked ground truth.
    const newer = await call('masks.create', { seriesKey: SERIES, name: 'second reader', shape: SHAPE, segments: [{ number: 1, label: 'lung', color: [0, 0, 200] }], role: 'expert' });
    await call('masks.saveSlices', { maskSetId: newer.maskSetId, expectedHead: 1, edits: [{ segment: 1, z: 0, bits: bitsOf([0, 1, 2, 3]) }] });
    expect(await call('modelOutputs.score', { predId: pred.maskSetId })).toMatchObject({ truth: { name: 'second reader' }, iou: 1, dice: 1 });
    await call('masks.markGroundTruth', { maskSetId: expert.maskSetId });
    expect((await call('modelOutputs.score', { predId: pred.maskSetId })).truth?.name).toBe('expert lungs');
  });

  it('accepts a model segmentation as an editable annotator draft that names its source', async () => {
    const source = await call('modelOutputs.saveSegmentation', run([{ z: 1, ...facts, bits: bitsOf([6, 7]) }], { scope: 'slice', prompt: 'left lung' }));
    const draft = await call('modelOutputs.acceptDraft', { maskSetId: source.maskSetId, author: 'annotator a' });
    expect(draft.maskSetId).not.toBe(source.maskSetId);
    expect(draft.provenance).toEqual({
      role: 'annotator',
      author: 'annotator a',
      origin: { kind: 'draft', source: { id: source.maskSetId, version: 1, name: source.name }, model: { name: 'vesalius-vlm-test', version: '0.3.0', prompt: 'left lung' } },
    });
    expect(draft.name).toBe(`Draft of ${source.name}`);
    expect(draft.labels).toEqual([{ value: 1, name: 'left lung', voxelCount: 2 }]);

    // The draft takes edits; the model's segmentation stays as the model made it.
    const edited = await call('masks.saveSlices', { maskSetId: draft.maskSetId, expectedHead: 1, edits: [{ segment: 1, z: 1, bits: bitsOf([6, 7, 8, 9]) }] });
    expect(edited.labels[0].voxelCount).toBe(4);
    const untouched = (await call('masks.list', { seriesKey: SERIES })).maskSets.find((m) => m.maskSetId === source.maskSetId);
    expect(untouched?.labels[0].voxelCount).toBe(2);
    expect(untouched?.headVersion).toBe(1);

    // Only a model's output is a draft's source.
    const refused = await attempt('modelOutputs.acceptDraft', { maskSetId: draft.maskSetId });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toContain("is not a model's output");
  });

  it('rejects malformed arguments at the contract', async () => {
    const bad = await attempt('modelOutputs.saveSegmentation', run([{ z: -1, ...facts, bits: null }]));
    expect(bad.ok).toBe(false);
    const unknown = await attempt('modelOutputs.acceptDraft', { maskSetId: 'seg-0000000000000000' });
    expect(unknown.ok).toBe(false);
  });
});
