import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packBits } from '../annotations/bits';
import { withEmptyMasks, type Provenance, type SegmentationContent } from '../annotations/model';
import { openDatabase } from '../db/open-database';
import { AnnotationStore, sliceEdit, type StoreResult } from './annotation-store';
import { storeMigrations } from './schema';
import { discMask, randomMask, tempHome, twoSegmentContent } from './test-helpers';

const SERIES = '1.2.826.0.1.3680043.8.498.1';
const homes: { remove: () => void }[] = [];
function openStore(): AnnotationStore {
  const home = tempHome();
  homes.push(home);
  let t = Date.parse('2026-01-01T00:00:00Z');
  return AnnotationStore.open(path.join(home.dir, 'annotations.db'), { now: () => (t += 1000) });
}
afterEach(() => {
  for (const h of homes.splice(0)) h.remove();
});

function value<T>(result: StoreResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

const expert: Provenance = { role: 'expert', author: 'dr rivera', origin: { kind: 'file', path: '/data/case1.nii.gz', format: 'nifti' } };

describe('AnnotationStore: segmentations and versions', () => {
  it('creates a segmentation and loads back every voxel of every (overlapping) segment', () => {
    const store = openStore();
    const content = twoSegmentContent([17, 9, 5]);
    const record = value(store.create({ seriesKey: SERIES, name: 'case1', provenance: expert, content, action: 'import' }));
    expect(record.id).toMatch(/^seg-[0-9a-f]{16}$/);
    expect(record.head.number).toBe(1);
    expect(record.versionCount).toBe(1);
    expect(record.provenance).toEqual(expert);
    expect(record.head.voxelCounts[1]).toBe(content.masks.get(1)!.reduce((a, b) => a + b, 0));
    const loaded = value(store.load(record.id)).content;
    expect(loaded.segments).toEqual(content.segments);
    expect(loaded.masks.get(1)).toEqual(content.masks.get(1));
    expect(loaded.masks.get(2)).toEqual(content.masks.get(2));
    expect(value(store.list(SERIES)).map((r) => r.id)).toEqual([record.id]);
    expect(value(store.list('1.2.3'))).toEqual([]);
    store.close();
  });

  it('saves slice edits as new versions; a one-slice edit writes one blob; every version stays readable', () => {
    const store = openStore();
    const content = twoSegmentContent([16, 8, 6]);
    const { id } = value(store.create({ seriesKey: SERIES, name: 'draft', provenance: expert, content }));
    const blobs = () => (store.db.prepare('SELECT COUNT(*) AS n FROM slice_blobs').get() as { n: number }).n;
    const before = blobs();
    const slice = randomMask(16 * 8, 77, 0.5);
    const v2 = value(store.saveEdits(id, [sliceEdit(1, 4, slice)], { expectedHead: 1, author: 'ann', note: 'fixed z4' }));
    expect(blobs()).toBe(before + 1);
    expect(v2.head).toMatchObject({ number: 2, parentNumber: 1, author: 'ann', note: 'fixed z4' });
    const v3 = value(store.saveEdits(id, [sliceEdit(2, 0, new Uint8Array(16 * 8))], { expectedHead: 2, author: 'ann' }));
    expect(v3.head.number).toBe(3);

    const head = value(store.load(id)).content;
    expect(head.masks.get(1)!.subarray(4 * 128, 5 * 128)).toEqual(slice);
    expect(head.masks.get(2)!.subarray(0, 128).every((v) => v === 0)).toBe(true);
    expect(head.masks.get(2)!.subarray(128)).toEqual(content.masks.get(2)!.subarray(128));
    expect(value(store.load(id, 1)).content.masks).toEqual(content.masks);
    expect(value(store.versions(id)).map((v) => [v.number, v.parentNumber])).toEqual([[1, null], [2, 1], [3, 2]]);
    store.close();
  });

  it('refuses a save against a stale parent with a conflict value and overwrites nothing', () => {
    const store = openStore();
    const { id } = value(store.create({ seriesKey: SERIES, name: 'x', provenance: expert, content: twoSegmentContent([8, 8, 2]) }));
    value(store.saveEdits(id, [sliceEdit(1, 0, new Uint8Array(64).fill(1))], { expectedHead: 1, author: 'window A' }));
    const stale = store.saveEdits(id, [sliceEdit(1, 0, new Uint8Array(64))], { expectedHead: 1, author: 'window B' });
    expect(stale.ok).toBe(false);
    if (!stale.ok) {
      expect(stale.error.kind).toBe('conflict');
      expect(stale.error.message).toMatch(/made on version 1, but version 2 was saved since .* by window A/);
    }
    expect(value(store.get(id)).versionCount).toBe(2);
    expect(value(store.load(id)).content.masks.get(1)!.subarray(0, 64).every((v) => v === 1)).toBe(true);
    store.close();
  });

  it('saves whole volumes, restores an old version as a new one, renames and soft-deletes', () => {
    const store = openStore();
    const first = twoSegmentContent([8, 8, 3], 5);
    const { id } = value(store.create({ seriesKey: SERIES, name: 'x', provenance: expert, content: first }));
    const second = twoSegmentContent([8, 8, 3], 9);
    value(store.saveContent(id, second, { expectedHead: 1, author: 'ann' }));
    const restored = value(store.restore(id, 1, { expectedHead: 2, author: 'dr rivera' }));
    expect(restored.head).toMatchObject({ number: 3, parentNumber: 2, note: 'restored version 1' });
    expect(value(store.load(id)).content.masks).toEqual(first.masks);
    expect(value(store.load(id, 2)).content.masks).toEqual(second.masks);

    expect(value(store.rename(id, 'lung, final', 'dr rivera')).name).toBe('lung, final');
    value(store.delete(id, 'dr rivera'));
    expect(value(store.list(SERIES))).toEqual([]);
    const gone = store.rename(id, 'again', 'x');
    expect(!gone.ok && gone.error.kind).toBe('not_found');

    const actions = value(store.auditLog({ segmentationId: id })).map((e) => e.action);
    expect(actions).toEqual(['create', 'edit', 'restore', 'rename', 'delete']);
    store.close();
  });

  it('refuses malformed input with a reason: unknown segment, z out of range, wrong slice size, wrong shape', () => {
    const store = openStore();
    const { id } = value(store.create({ seriesKey: SERIES, name: 'x', provenance: expert, content: twoSegmentContent([8, 8, 2]) }));
    const reasons = [
      store.saveEdits(id, [{ segment: 9, z: 0, bits: null }], { expectedHead: 1, author: 'a' }),
      store.saveEdits(id, [{ segment: 1, z: 2, bits: null }], { expectedHead: 1, author: 'a' }),
      store.saveEdits(id, [{ segment: 1, z: 0, bits: new Uint8Array(3) }], { expectedHead: 1, author: 'a' }),
      store.saveContent(id, twoSegmentContent([8, 8, 3]), { expectedHead: 1, author: 'a' }),
    ].map((r) => (r.ok ? 'ok' : `${r.error.kind}: ${r.error.message}`));
    expect(reasons[0]).toMatch(/bad_input: .*segment 9, which it does not have/);
    expect(reasons[1]).toMatch(/z 2, outside 0…1/);
    expect(reasons[2]).toMatch(/3 packed bytes, a slice needs 8/);
    expect(reasons[3]).toMatch(/8×8×3 but the segmentation is 8×8×2/);
    expect(value(store.get(id)).versionCount).toBe(1);
    store.close();
  });

  it('keeps the spacing and finds an earlier import of the same file with the same content', () => {
    const store = openStore();
    const content = twoSegmentContent([8, 8, 2]);
    const made = value(store.create({ seriesKey: SERIES, name: 'case1.nii.gz', provenance: expert, content, spacingMm: [0.7, 0.7, 2.5], action: 'import' }));
    expect(made.spacingMm).toEqual([0.7, 0.7, 2.5]);
    expect(value(store.findImport(SERIES, '/data/case1.nii.gz', twoSegmentContent([8, 8, 2])))?.id).toBe(made.id);
    expect(value(store.findImport(SERIES, '/data/case1.nii.gz', twoSegmentContent([8, 8, 2], 99)))).toBeNull(); // the file changed
    expect(value(store.findImport(SERIES, '/data/other.nii.gz', content))).toBeNull();
    expect(value(store.findImport('1.2.3', '/data/case1.nii.gz', content))).toBeNull();
    store.close();
  });

  it('creates an empty segmentation to draw on and one from a model output, each with its provenance; records exports', () => {
    const store = openStore();
    const empty = withEmptyMasks({ shape: [8, 8, 3], segments: [{ number: 1, label: 'lesion', color: [255, 0, 0] }], masks: new Map() });
    const drawn = value(store.create({ seriesKey: SERIES, name: 'new', provenance: { role: 'annotator', author: 'ann', origin: { kind: 'drawn' } }, content: empty }));
    expect(drawn.head.voxelCounts).toEqual({ 1: 0 });
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM version_slices').get() as { n: number }).n).toBe(0); // empty slices are stored as nothing
    const modelProvenance: Provenance = { role: 'model', author: 'vesalius', origin: { kind: 'model', name: 'vesalius-vlm', version: '0.2.0', prompt: 'segment the nodule' } };
    const predicted = value(store.create({ seriesKey: SERIES, name: 'prediction', provenance: modelProvenance, content: twoSegmentContent([8, 8, 3]) }));
    expect(value(store.get(predicted.id)).provenance).toEqual(modelProvenance);
    value(store.recordExport(predicted.id, 'ann', '/out/prediction-seg.dcm'));
    const exported = value(store.auditLog({ segmentationId: predicted.id })).at(-1)!;
    expect(exported).toMatchObject({ action: 'export', actor: 'ann', versionNumber: 1, detail: { target: '/out/prediction-seg.dcm' } });
    store.close();
  });

  it('adds a segment with an edit; the new segment starts empty', () => {
    const store = openStore();
    const content = twoSegmentContent([8, 8, 2]);
    const { id } = value(store.create({ seriesKey: SERIES, name: 'x', provenance: expert, content }));
    const segments = [...content.segments.filter((s) => s.number !== 2), { number: 3, label: 'vessel', color: [0, 0, 255] as [number, number, number] }];
    const saved = value(store.saveEdits(id, [sliceEdit(3, 1, new Uint8Array(64).fill(1))], { expectedHead: 1, author: 'a', segments }));
    expect(saved.head.segments.map((s) => s.number)).toEqual([1, 3]);
    expect(saved.head.voxelCounts).toEqual({ 1: content.masks.get(1)!.reduce((a, b) => a + b, 0), 3: 64 });
    const loaded = value(store.load(id)).content;
    expect([...loaded.masks.keys()]).toEqual([1, 3]);
    store.close();
  });
});

describe('AnnotationStore: ground truth, audit log, measurements', () => {
  it('keeps one ground truth per series and label set; marking another moves the mark (both audited)', () => {
    const store = openStore();
    const a = value(store.create({ seriesKey: SERIES, name: 'a', provenance: expert, content: twoSegmentContent([4, 4, 1]) }));
    const b = value(store.create({ seriesKey: SERIES, name: 'b', provenance: { ...expert, author: 'dr b' }, content: twoSegmentContent([4, 4, 1], 3) }));
    const other: SegmentationContent = { shape: [4, 4, 1], segments: [{ number: 1, label: 'liver', color: [1, 1, 1] }], masks: new Map([[1, new Uint8Array(16)]]) };
    const c = value(store.create({ seriesKey: SERIES, name: 'c', provenance: expert, content: other }));
    expect(value(store.markGroundTruth(a.id, 'dr rivera')).groundTruth).toMatchObject({ versionNumber: 1, markedBy: 'dr rivera' });
    value(store.markGroundTruth(c.id, 'dr rivera'));
    value(store.markGroundTruth(b.id, 'dr rivera'));
    const marks = Object.fromEntries(value(store.list(SERIES)).map((r) => [r.name, r.groundTruth !== null]));
    expect(marks).toEqual({ a: false, b: true, c: true });
    const log = value(store.auditLog({ seriesKey: SERIES })).filter((e) => e.action.includes('ground-truth')).map((e) => [e.action, e.segmentationId]);
    expect(log).toEqual([
      ['mark-ground-truth', a.id],
      ['mark-ground-truth', c.id],
      ['unmark-ground-truth', a.id],
      ['mark-ground-truth', b.id],
    ]);
    store.close();
  });

  it('forbids changing or deleting audit rows (triggers)', () => {
    const store = openStore();
    value(store.create({ seriesKey: SERIES, name: 'a', provenance: expert, content: twoSegmentContent([4, 4, 1]) }));
    expect(() => store.db.prepare("UPDATE audit_log SET actor = 'someone else'").run()).toThrow(/append-only: rows cannot be changed/);
    expect(() => store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only: rows cannot be deleted/);
    expect(value(store.auditLog())[0]).toMatchObject({ action: 'create', actor: 'dr rivera', seriesKey: SERIES });
    store.close();
  });

  it('creates, edits, lists and soft-deletes length measurements, audited', () => {
    const store = openStore();
    const image = { sopInstanceUid: '1.2.3.4', frame: 1, sliceIndex: 12 };
    const m = value(store.saveMeasurement({ seriesKey: SERIES, geometry: { kind: 'length', pointsMm: [[0, 0, 0], [3, 4, 0]] }, image, author: 'dr a' }));
    expect(m.id).toMatch(/^meas-[0-9a-f]{16}$/);
    const edited = value(store.saveMeasurement({ id: m.id, seriesKey: SERIES, geometry: { kind: 'length', pointsMm: [[0, 0, 0], [6, 8, 0]] }, image, label: 'nodule', author: 'dr a' }));
    expect(edited.geometry.pointsMm[1]).toEqual([6, 8, 0]);
    expect(edited.label).toBe('nodule');
    expect(value(store.listMeasurements(SERIES))).toHaveLength(1);
    value(store.deleteMeasurement(m.id, 'dr a'));
    expect(value(store.listMeasurements(SERIES))).toEqual([]);
    const again = store.deleteMeasurement(m.id, 'dr a');
    expect(!again.ok && again.error.kind).toBe('not_found');
    expect(value(store.auditLog({ seriesKey: SERIES })).map((e) => e.action)).toEqual(['measurement-create', 'measurement-edit', 'measurement-delete']);
    store.close();
  });

  it('brings a deleted measurement back under its id only when asked to restore it (undo of a delete)', () => {
    const store = openStore();
    const image = { sopInstanceUid: '1.2.3.4', frame: 1, sliceIndex: 2 };
    const geometry = { kind: 'angle' as const, pointsMm: [[1, 0, 0], [0, 0, 0], [0, 1, 0]] as [[number, number, number], [number, number, number], [number, number, number]] };
    const m = value(store.saveMeasurement({ seriesKey: SERIES, geometry, image, author: 'dr a' }));
    value(store.deleteMeasurement(m.id, 'dr a'));
    const refused = store.saveMeasurement({ id: m.id, seriesKey: SERIES, geometry, image, author: 'dr a' });
    expect(!refused.ok && refused.error.message).toBe(`measurement ${m.id}: was deleted`);
    const back = value(store.saveMeasurement({ id: m.id, seriesKey: SERIES, geometry, image, author: 'dr a', restore: true }));
    expect(back.id).toBe(m.id);
    expect(value(store.listMeasurements(SERIES)).map((r) => r.id)).toEqual([m.id]);
    expect(value(store.auditLog({ seriesKey: SERIES })).map((e) => e.action)).toEqual(['measurement-create', 'measurement-delete', 'measurement-restore']);
    store.close();
  });
});

describe('AnnotationStore: migrations from every earlier schema', () => {
  /** Writes rows at schema `version` using that version's tables only. */
  const writers: Record<number, (db: ReturnType<typeof openDatabase>) => void> = {
    1: (db) => {
      db.prepare("INSERT INTO segmentations (id, series_key, name, role, author, origin_json, created_at) VALUES ('seg-00000000000000a1', ?, 'old', 'expert', 'dr old', ?, 1000)").run(SERIES, JSON.stringify({ kind: 'drawn' }));
      db.prepare(`INSERT INTO versions (segmentation_id, number, parent_number, created_at, author, note, segments_json, width, height, depth)
                  VALUES ('seg-00000000000000a1', 1, NULL, 1000, 'dr old', '', ?, 8, 1, 1)`).run(JSON.stringify([{ number: 1, label: 'lung', color: [1, 2, 3] }]));
      const bits = packBits(Uint8Array.from([1, 0, 1, 0, 1, 0, 1, 1]));
      const { sliceHash, deflateSlice } = codec;
      db.prepare('INSERT INTO slice_blobs VALUES (?, ?, 5)').run(sliceHash(bits), deflateSlice(bits));
      db.prepare('INSERT INTO version_slices VALUES (1, 1, 0, ?)').run(sliceHash(bits));
      db.prepare("INSERT INTO audit_log (at, actor, action, series_key, segmentation_id, version_number) VALUES (1000, 'dr old', 'create', ?, 'seg-00000000000000a1', 1)").run(SERIES);
    },
    2: (db) => {
      db.prepare("INSERT INTO measurements VALUES ('meas-00000000000000b2', ?, 'length', ?, ?, 'old', 'dr old', 2000, 2000, NULL)").run(
        SERIES,
        JSON.stringify({ kind: 'length', pointsMm: [[0, 0, 0], [1, 1, 1]] }),
        JSON.stringify({ sopInstanceUid: '1.2.3', frame: 1, sliceIndex: 0 }),
      );
    },
    3: (db) => {
      db.prepare("INSERT INTO ground_truth VALUES (?, 'lung', 'seg-00000000000000a1', 1, 3000, 'dr old')").run(SERIES);
    },
    4: (db) => {
      db.prepare("INSERT INTO reports VALUES ('1.2.3', 4000, 'dr old')").run();
      db.prepare("INSERT INTO report_versions VALUES ('1.2.3', 1, 1, 'draft', 4000, 'dr old', '', NULL, NULL, '{\"findings\":\"old\"}')").run();
    },
  };
  let codec: typeof import('./slice-codec');

  for (let version = 1; version <= storeMigrations.length; version++) {
    it(`opens a store written at schema ${version} with every migration and keeps its rows`, async () => {
      codec = await import('./slice-codec');
      const home = tempHome();
      homes.push(home);
      const file = path.join(home.dir, 'annotations.db');
      const old = openDatabase(file, { migrations: storeMigrations.slice(0, version), synchronous: 'FULL' });
      for (let v = 1; v <= version; v++) writers[v](old);
      old.close();

      const store = AnnotationStore.open(file);
      expect(store.db.pragma('user_version', { simple: true })).toBe(storeMigrations.length);
      const [record] = value(store.list(SERIES));
      expect(record).toMatchObject({ id: 'seg-00000000000000a1', name: 'old', provenance: { role: 'expert', author: 'dr old', origin: { kind: 'drawn' } } });
      expect([...value(store.load(record.id)).content.masks.get(1)!]).toEqual([1, 0, 1, 0, 1, 0, 1, 1]);
      expect(record.groundTruth === null).toBe(version < 3);
      expect(value(store.listMeasurements(SERIES)).map((m) => m.label)).toEqual(version >= 2 ? ['old'] : []);
      // The upgraded store keeps working: a new version on the old segmentation.
      expect(value(store.saveEdits(record.id, [sliceEdit(1, 0, new Uint8Array(8))], { expectedHead: 1, author: 'new' })).head.number).toBe(2);
      store.close();
    });
  }
});

/** An organ-like shape: a disc whose radius changes from slice to slice (no two slices alike, so no deduplication). */
function organMask(shape: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(shape[0] * shape[1] * shape[2]);
  const sliceVoxels = shape[0] * shape[1];
  for (let z = 5; z < 35; z++) {
    const one = discMask([shape[0], shape[1], 1], [128 + (z % 7), 120], 30 + z, 0, 1);
    out.set(one, z * sliceVoxels);
  }
  return out;
}

describe('compression', () => {
  it('round-trips a drawn-organ volume and stores it in a fraction of its raw size', () => {
    const store = openStore();
    const shape = [256, 256, 40] as const;
    const content: SegmentationContent = {
      shape,
      segments: [{ number: 1, label: 'organ', color: [1, 2, 3] }],
      masks: new Map([[1, organMask(shape)]]),
    };
    const { id } = value(store.create({ seriesKey: SERIES, name: 'organ', provenance: expert, content }));
    // Buffer.equals: vitest's deep equality walks 2.6 M elements one by one.
    expect(Buffer.from(value(store.load(id)).content.masks.get(1)!).equals(Buffer.from(content.masks.get(1)!))).toBe(true);
    const stored = (store.db.prepare('SELECT SUM(LENGTH(deflated)) AS n FROM slice_blobs').get() as { n: number }).n;
    const raw = shape[0] * shape[1] * shape[2];
    // Bit-packing alone is 1/8; deflate of smooth shapes gives far more. Print the figure for the record.
    console.log(`compression: ${raw} raw bytes → ${stored} stored (${(raw / stored).toFixed(0)}×)`);
    expect(stored).toBeLessThan(raw / 50);
    store.close();
  });
});
