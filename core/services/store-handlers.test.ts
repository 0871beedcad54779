import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../contract/dispatch';
import type { CallName, CallResult } from '../contract/index';
import type { Result } from '../contract/result';
import { segFile } from '../masks/mask-fixtures';
import { createAppService, type AppService } from './app-service';
import type { CallContext } from './context';

// A SEG with two overlapping segments on a 4×3×2 grid of a series that is not imported (taken as the file says).
const SERIES = '1.2.826.0.1.3680043.8.498.4242';
const frame = (on: number[]) => Array.from({ length: 12 }, (_, i) => (on.includes(i) ? 1 : 0));
const ctx: CallContext = { transport: 'direct', caller: 'test' };
let tmp: string;
let segPath: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'store-handlers-'));
  segPath = path.join(tmp, 'tumour.dcm');
  writeFileSync(
    segPath,
    segFile({
      type: 'BINARY',
      rows: 3,
      columns: 4,
      segments: [
        { number: 1, label: 'Tumour' },
        { number: 2, label: 'Oedema' },
      ],
      frames: [
        { segmentNumber: 1, zMm: 0, pixels: frame([0, 1, 2]) },
        { segmentNumber: 2, zMm: 0, pixels: frame([2, 3]) },
        { segmentNumber: 1, zMm: 2.5, pixels: frame([5]) },
      ],
      referencedSeriesUid: SERIES,
    }),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function open(home: string) {
  const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home });
  const events: string[] = [];
  service.events.on('store.changed', ({ seriesKey }) => events.push(seriesKey));
  const call = async <K extends CallName>(name: K, args: unknown): Promise<CallResult<K>> => {
    const result = (await dispatch(service.handlers, name, args, ctx)) as Result<CallResult<K>>;
    if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
    return result.value;
  };
  const attempt = async (name: CallName, args: unknown) => dispatch(service.handlers, name, args, ctx);
  return { service, call, attempt, events };
}

describe('stored segmentations through the contract', () => {
  let service: AppService | null = null;
  afterAll(() => service?.dispose());

  it('imports a SEG with provenance, survives a restart with its ground-truth mark, and keeps every version', async () => {
    const home = path.join(tmp, 'home-a');
    const first = open(home);
    service = first.service;
    await first.call('catalog.grantPaths', { paths: [tmp], how: 'path-field' });
    const { opened, errors } = await first.call('masks.open', { paths: [segPath], role: 'expert', author: 'Dr Rivera' });
    expect(errors).toEqual([]);
    const seg = opened[0];
    expect(seg).toMatchObject({ seriesInstanceUid: SERIES, seriesFrom: 'file', name: 'tumour.dcm', headVersion: 1 });
    expect(seg.provenance).toEqual({ role: 'expert', author: 'Dr Rivera', origin: { kind: 'file', path: segPath, format: 'dicom-seg' } });
    expect(seg.segments.map((s) => s.label)).toEqual(['Tumour', 'Oedema']);
    expect(seg.labels.map((l) => l.voxelCount)).toEqual([4, 2]); // overlap at voxel 2 kept in both
    expect(first.events).toEqual([SERIES]);

    const marked = await first.call('masks.markGroundTruth', { maskSetId: seg.maskSetId, author: 'Dr Rivera' });
    expect(marked.groundTruth).toMatchObject({ versionNumber: 1, markedBy: 'Dr Rivera' });
    const renamed = await first.call('masks.rename', { maskSetId: seg.maskSetId, name: 'tumour, expert read' });
    expect(renamed.name).toBe('tumour, expert read');
    first.service.dispose();
    service = null;

    // Restart: a new service on the same home.
    const second = open(home);
    service = second.service;
    const listed = await second.call('masks.list', { seriesKey: SERIES });
    expect(listed.maskSets).toHaveLength(1);
    expect(listed.maskSets[0]).toMatchObject({ maskSetId: seg.maskSetId, name: 'tumour, expert read', provenance: seg.provenance, groundTruth: { versionNumber: 1 } });
    const data = await second.call('masks.data', { maskSetId: seg.maskSetId });
    // The label map: where segments overlap the higher number shows (the segments themselves stay whole).
    expect(Array.from(data.labels).slice(0, 12)).toEqual([1, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('restores an old version as a new one, refuses a stale restore, opens old versions read-only', async () => {
    const home = path.join(tmp, 'home-b');
    const { service: s, call, attempt } = open(home);
    service = s;
    await call('catalog.grantPaths', { paths: [tmp], how: 'path-field' });
    const seg = (await call('masks.open', { paths: [segPath] })).opened[0];
    expect(seg.provenance.role).toBe('annotator'); // the default role

    const restored = await call('masks.restore', { maskSetId: seg.maskSetId, version: 1, expectedHead: 1 });
    expect(restored).toMatchObject({ headVersion: 2, versionCount: 2, readOnly: false });
    const stale = await attempt('masks.restore', { maskSetId: seg.maskSetId, version: 1, expectedHead: 1 });
    expect(stale.ok).toBe(false);
    if (!stale.ok) {
      expect(stale.error.code).toBe('conflict');
      expect(stale.error.message).toMatch(/made on version 1, but version 2 was saved since/);
    }

    const versions = await call('masks.versions', { maskSetId: seg.maskSetId });
    expect(versions.versions.map((v) => [v.number, v.parentNumber, v.note])).toEqual([[1, null, ''], [2, 1, 'restored version 1']]);
    const old = await call('masks.openVersion', { maskSetId: seg.maskSetId, version: 1 });
    expect(old).toMatchObject({ version: 1, readOnly: true, headVersion: 2 });
    const oldData = await call('masks.data', { maskSetId: seg.maskSetId, version: 1 });
    expect(Array.from(oldData.labels)).toEqual(Array.from((await call('masks.data', { maskSetId: seg.maskSetId })).labels));
    const self = await call('masks.score', { truthId: seg.maskSetId, predId: seg.maskSetId, truthVersion: 1 });
    expect(self.caseScore.miou).toBe(1);

    await call('masks.delete', { maskSetId: seg.maskSetId });
    expect((await call('masks.list', { seriesKey: SERIES })).maskSets).toEqual([]);
    const gone = await attempt('masks.data', { maskSetId: seg.maskSetId });
    expect(gone.ok).toBe(false);
    s.dispose();
    service = null;
  });

  it('creates an empty segmentation and saves slice edits on it; a stale parent is refused and nothing is written', async () => {
    const home = path.join(tmp, 'home-d');
    const { service: s, call, attempt, events } = open(home);
    service = s;
    const made = await call('masks.create', { seriesKey: SERIES, name: 'drawn', shape: [4, 3, 2], segments: [{ number: 1, label: 'lesion', color: [255, 0, 0] }], author: 'Ann' });
    expect(made).toMatchObject({ headVersion: 1, provenance: { role: 'annotator', author: 'Ann', origin: { kind: 'drawn' } }, labels: [{ value: 1, name: 'lesion', voxelCount: 0 }] });
    // Slice z = 1: voxels 0 and 11 of 12 (bits 0 of byte 0 and bit 3 of byte 1).
    const bits = Uint8Array.from([0b0000_0001, 0b0000_1000]);
    const saved = await call('masks.saveSlices', { maskSetId: made.maskSetId, expectedHead: 1, edits: [{ segment: 1, z: 1, bits }], note: 'first strokes' });
    expect(saved).toMatchObject({ headVersion: 2, labels: [{ value: 1, voxelCount: 2 }] });
    const data = await call('masks.data', { maskSetId: made.maskSetId });
    expect(Array.from(data.labels)).toEqual([...new Array(12).fill(0), 1, ...new Array(10).fill(0), 1]);
    const stale = await attempt('masks.saveSlices', { maskSetId: made.maskSetId, expectedHead: 1, edits: [{ segment: 1, z: 0, bits: null }] });
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.error.message).toMatch(/made on version 1, but version 2 was saved since .* by/);
    expect((await call('masks.versions', { maskSetId: made.maskSetId })).versions.map((v) => v.note)).toEqual(['', 'first strokes']);
    expect(events).toEqual([SERIES, SERIES]);
    s.dispose();
    service = null;
  });

  it('saves, lists and deletes length measurements on any series key, derived ones included', async () => {
    const home = path.join(tmp, 'home-c');
    const { service: s, call, attempt, events } = open(home);
    service = s;
    const derived = 'derived:0123456789abcdef01234567';
    const saved = await call('measurements.save', {
      seriesKey: derived,
      geometry: { kind: 'length', pointsMm: [[0, 0, 0], [30, 40, 0]] },
      image: { sopInstanceUid: '1.2.3.4.5', frame: 1, sliceIndex: 3 },
    });
    expect(saved.id).toMatch(/^meas-[0-9a-f]{16}$/);
    expect(events).toEqual([derived]);
    expect((await call('masks.list', { seriesKey: derived })).maskSets).toEqual([]);
    const moved = await call('measurements.save', { id: saved.id, seriesKey: derived, geometry: { kind: 'length', pointsMm: [[0, 0, 0], [3, 4, 0]] }, image: saved.image, label: 'nodule' });
    expect(moved.label).toBe('nodule');
    s.dispose();

    const again = open(home);
    service = again.service;
    expect((await again.call('measurements.list', { seriesKey: derived })).measurements.map((m) => m.geometry.pointsMm[1])).toEqual([[3, 4, 0]]);
    await again.call('measurements.delete', { id: saved.id });
    expect((await again.call('measurements.list', { seriesKey: derived })).measurements).toEqual([]);
    const bad = await attempt('measurements.save', { seriesKey: '../x', geometry: { kind: 'length', pointsMm: [[0, 0, 0], [1, 1, 1]] }, image: saved.image });
    expect(bad.ok).toBe(false);
  });
});
