// The durable annotation store: segmentations with provenance, versions of bit-packed slices, audit log, measurements.
import { randomBytes } from 'node:crypto';
import { countPackedBits, packBits, unpackBitsInto } from '../annotations/bits';
import { packSlice, type SliceEdit } from '../annotations/delta';
import { measurementGeometrySchema, measurementImageSchema, type MeasurementGeometry, type MeasurementImage } from '../annotations/measurement';
import {
  contentProblem,
  originSchema,
  segmentSchema,
  voxelsPerSlice,
  type Provenance,
  type Segment,
  type SegmentationContent,
  type Shape,
} from '../annotations/model';
import { databaseError, openDatabase, type Db } from '../db/open-database';
import { ReportStore } from './report-store';
import { storeMigrations } from './schema';
import { deflateSlice, inflateSlice, sliceHash } from './slice-codec';

/** The store's file name in the data home, beside (not inside) the catalog; see core/store/README.md. */
export const ANNOTATION_DB_FILE = 'annotations.db';

export type StoreErrorKind = 'conflict' | 'not_found' | 'bad_input' | 'io';
export interface StoreError {
  kind: StoreErrorKind;
  /** Names the file or the segmentation, and the reason, in words. */
  message: string;
  /** SQLite's code for io errors (SQLITE_FULL, SQLITE_READONLY, …). */
  sqliteCode?: string | null;
}
export type StoreResult<T> = { ok: true; value: T } | { ok: false; error: StoreError };

export const auditActions = [
  'create',
  'import',
  'edit',
  'rename',
  'delete',
  'export',
  'mark-ground-truth',
  'unmark-ground-truth',
  'restore',
  'measurement-create',
  'measurement-edit',
  'measurement-delete',
  'measurement-restore',
  // Reports (core/store/report-store.ts): a saved draft, an AI text confirmed or edited, signing, amending, a PDF written.
  'report-save',
  'report-ai-confirm',
  'report-ai-edit',
  'report-sign',
  'report-amend',
  'report-export',
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface VersionInfo {
  number: number;
  parentNumber: number | null;
  createdAt: string;
  author: string;
  note: string;
  segments: Segment[];
  shape: Shape;
  /** segment number → foreground voxels in this version. */
  voxelCounts: Record<number, number>;
}

export interface GroundTruthMark {
  versionNumber: number;
  markedAt: string;
  markedBy: string;
}

export interface SegmentationRecord {
  id: string;
  seriesKey: string;
  name: string;
  provenance: Provenance;
  /** [x, y, z] voxel size in mm. */
  spacingMm: [number, number, number];
  createdAt: string;
  deletedAt: string | null;
  head: VersionInfo;
  versionCount: number;
  groundTruth: GroundTruthMark | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: AuditAction;
  seriesKey: string | null;
  segmentationId: string | null;
  versionNumber: number | null;
  measurementId: string | null;
  /** The study whose report the entry is about (report actions only). */
  reportStudyKey: string | null;
  detail: Record<string, unknown>;
}

export interface MeasurementRecord {
  id: string;
  seriesKey: string;
  geometry: MeasurementGeometry;
  image: MeasurementImage;
  label: string;
  author: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreateArgs {
  seriesKey: string;
  name: string;
  provenance: Provenance;
  content: SegmentationContent;
  /** [x, y, z] voxel size in mm; [1, 1, 1] when unknown. */
  spacingMm?: readonly [number, number, number];
  /** 'import' for a file, 'create' for a new (empty or model) segmentation. */
  action?: 'create' | 'import';
  note?: string;
}

export interface SaveArgs {
  /** The version the edit was made on; the save is refused with a conflict when the head has moved since. */
  expectedHead: number;
  author: string;
  note?: string;
}

/** What an audit row is about. */
export interface AuditTarget {
  seriesKey?: string;
  segmentationId?: string;
  versionNumber?: number;
  measurementId?: string;
  reportStudyKey?: string;
  detail: Record<string, unknown>;
}

/** Thrown inside a transaction to roll it back and come out as a StoreError value. */
class StoreAbort extends Error {
  constructor(readonly storeError: StoreError) {
    super(storeError.message);
  }
}
const abort = (kind: StoreErrorKind, message: string): never => {
  throw new StoreAbort({ kind, message });
};

/** Positive finite spacing, else 1 mm on that axis. */
const spacingOf = (mm: readonly number[] | undefined): [number, number, number] =>
  [0, 1, 2].map((i) => (mm && Number.isFinite(mm[i]) && mm[i] > 0 ? mm[i] : 1)) as [number, number, number];

const iso = (ms: number): string => new Date(ms).toISOString();
const newId = (prefix: string): string => `${prefix}-${randomBytes(8).toString('hex')}`;

/** The label set a ground-truth mark is unique for: the segment labels, case- and order-insensitive. */
export const labelSetKey = (segments: readonly Segment[]): string =>
  [...new Set(segments.map((s) => s.label.trim().toLowerCase()))].sort().join('\n');

interface SegmentationRow {
  id: string;
  series_key: string;
  name: string;
  role: Provenance['role'];
  author: string;
  origin_json: string;
  spacing_json: string;
  created_at: number;
  deleted_at: number | null;
}
interface VersionRow {
  id: number;
  segmentation_id: string;
  number: number;
  parent_number: number | null;
  created_at: number;
  author: string;
  note: string;
  segments_json: string;
  width: number;
  height: number;
  depth: number;
}

export interface AnnotationStoreOptions {
  /** Clock for tests (ms since the epoch). */
  now?: () => number;
  busyTimeoutMs?: number;
}

export class AnnotationStore {
  private readonly now: () => number;
  /** The reports of studies, in the same file, transactions and audit log. */
  readonly reports: ReportStore;

  private constructor(
    readonly file: string,
    /** Exposed for tests and the durability checks (integrity_check, page limits). */
    readonly db: Db,
    opts: AnnotationStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.reports = new ReportStore({
      file,
      db,
      now: this.now,
      write: (action, body) => this.write(action, body),
      read: (action, body) => this.read(action, body),
      abort,
      audit: (at, actor, action, what) => this.audit(at, actor, action, what),
    });
  }

  /**
   * Opens (creating and migrating) the store. Synchronous FULL: a commit is on disk before the call
   * returns, so an acknowledged edit survives a crash or power loss. Throws a DatabaseError naming the file.
   */
  static open(file: string, opts: AnnotationStoreOptions = {}): AnnotationStore {
    const db = openDatabase(file, { migrations: storeMigrations, synchronous: 'FULL', busyTimeoutMs: opts.busyTimeoutMs ?? 10_000 });
    return new AnnotationStore(file, db, opts);
  }

  close(): void {
    this.db.close();
  }

  // ---- segmentations -------------------------------------------------------------------------

  create(args: CreateArgs): StoreResult<SegmentationRecord> {
    const problem = contentProblem(args.content);
    if (problem) return { ok: false, error: { kind: 'bad_input', message: `segmentation for series ${args.seriesKey}: ${problem}` } };
    const origin = originSchema.safeParse(args.provenance.origin);
    if (!origin.success) return { ok: false, error: { kind: 'bad_input', message: `segmentation for series ${args.seriesKey}: provenance origin is malformed` } };
    const id = newId('seg');
    return this.write('save a new segmentation', () => {
      const at = this.now();
      this.db
        .prepare('INSERT INTO segmentations (id, series_key, name, role, author, origin_json, spacing_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, args.seriesKey, args.name, args.provenance.role, args.provenance.author, JSON.stringify(origin.data), JSON.stringify(spacingOf(args.spacingMm)), at);
      const versionId = this.insertVersion(id, 1, null, at, args.provenance.author, args.note ?? '', args.content.segments, args.content.shape);
      this.writeSlices(versionId, args.content);
      this.audit(at, args.provenance.author, args.action ?? 'create', { seriesKey: args.seriesKey, segmentationId: id, versionNumber: 1, detail: { name: args.name, origin: origin.data } });
      return this.recordOf(id);
    });
  }

  /** A new version from whole volumes (every slice of every segment). */
  saveContent(id: string, content: SegmentationContent, args: SaveArgs): StoreResult<SegmentationRecord> {
    const problem = contentProblem(content);
    if (problem) return { ok: false, error: { kind: 'bad_input', message: `segmentation ${id}: ${problem}` } };
    return this.write(`save segmentation ${id}`, () => {
      const head = this.headFor(id, args.expectedHead);
      if (content.shape.some((n, i) => n !== head.shape[i])) abort('bad_input', `segmentation ${id}: the new content is ${content.shape.join('×')} but the segmentation is ${head.shape.join('×')}`);
      const at = this.now();
      const versionId = this.insertVersion(id, head.number + 1, head.number, at, args.author, args.note ?? '', content.segments, content.shape);
      const slices = this.writeSlices(versionId, content);
      this.audit(at, args.author, 'edit', { seriesKey: head.seriesKey, segmentationId: id, versionNumber: head.number + 1, detail: { whole: true, slices } });
      return this.recordOf(id);
    });
  }

  /**
   * A new version from slice edits against the head: only the edited slices are written (one new
   * blob for a one-slice edit); the others are referenced from the parent. `segments`, when given,
   * replaces the segment list (a removed segment's slices go, a new one starts empty).
   */
  saveEdits(id: string, edits: readonly SliceEdit[], args: SaveArgs & { segments?: Segment[] }): StoreResult<SegmentationRecord> {
    return this.write(`save an edit of segmentation ${id}`, () => {
      const head = this.headFor(id, args.expectedHead);
      const segments = args.segments ?? head.segments;
      const numbers = new Set(segments.map((s) => s.number));
      if (args.segments) {
        const problem = contentProblem({ shape: head.shape, segments, masks: new Map() });
        if (problem) abort('bad_input', `segmentation ${id}: ${problem}`);
      }
      const packedBytes = (voxelsPerSlice(head.shape) + 7) >> 3;
      for (const edit of edits) {
        if (!numbers.has(edit.segment)) abort('bad_input', `segmentation ${id}: an edit names segment ${edit.segment}, which it does not have`);
        if (!Number.isInteger(edit.z) || edit.z < 0 || edit.z >= head.shape[2]) abort('bad_input', `segmentation ${id}: an edit of segment ${edit.segment} is at z ${edit.z}, outside 0…${head.shape[2] - 1}`);
        if (edit.bits && edit.bits.length !== packedBytes) abort('bad_input', `segmentation ${id}: the edit of segment ${edit.segment} at z ${edit.z} has ${edit.bits.length} packed bytes, a slice needs ${packedBytes}`);
      }
      const at = this.now();
      const number = head.number + 1;
      const versionId = this.insertVersion(id, number, head.number, at, args.author, args.note ?? '', segments, head.shape);
      this.db.prepare('INSERT INTO version_slices (version_id, segment_number, z, hash) SELECT ?, segment_number, z, hash FROM version_slices WHERE version_id = ?').run(versionId, head.versionId);
      const removeSegment = this.db.prepare('DELETE FROM version_slices WHERE version_id = ? AND segment_number = ?');
      for (const number of head.segments.map((s) => s.number)) if (!numbers.has(number)) removeSegment.run(versionId, number);
      const removeSlice = this.db.prepare('DELETE FROM version_slices WHERE version_id = ? AND segment_number = ? AND z = ?');
      const addSlice = this.db.prepare('INSERT INTO version_slices (version_id, segment_number, z, hash) VALUES (?, ?, ?, ?)');
      for (const edit of edits) {
        removeSlice.run(versionId, edit.segment, edit.z);
        if (edit.bits && countPackedBits(edit.bits) > 0) addSlice.run(versionId, edit.segment, edit.z, this.ensureBlob(edit.bits));
      }
      this.audit(at, args.author, 'edit', {
        seriesKey: head.seriesKey,
        segmentationId: id,
        versionNumber: number,
        detail: { slices: edits.map((e) => [e.segment, e.z]), ...(args.segments ? { segments: segments.map((s) => s.label) } : {}) },
      });
      return this.recordOf(id);
    });
  }

  /** A new version whose content is an older version's (nothing is overwritten; the old versions stay). */
  restore(id: string, versionNumber: number, args: SaveArgs): StoreResult<SegmentationRecord> {
    return this.write(`restore segmentation ${id}`, () => {
      const head = this.headFor(id, args.expectedHead);
      const old = this.versionRow(id, versionNumber);
      const at = this.now();
      const number = head.number + 1;
      const versionId = this.insertVersion(id, number, head.number, at, args.author, args.note ?? `restored version ${versionNumber}`, JSON.parse(old.segments_json), [old.width, old.height, old.depth]);
      this.db.prepare('INSERT INTO version_slices (version_id, segment_number, z, hash) SELECT ?, segment_number, z, hash FROM version_slices WHERE version_id = ?').run(versionId, old.id);
      this.audit(at, args.author, 'restore', { seriesKey: head.seriesKey, segmentationId: id, versionNumber: number, detail: { from: versionNumber } });
      return this.recordOf(id);
    });
  }

  rename(id: string, name: string, author: string): StoreResult<SegmentationRecord> {
    if (!name.trim()) return { ok: false, error: { kind: 'bad_input', message: `segmentation ${id}: the new name is empty` } };
    return this.write(`rename segmentation ${id}`, () => {
      const row = this.liveRow(id);
      this.db.prepare('UPDATE segmentations SET name = ? WHERE id = ?').run(name, id);
      this.audit(this.now(), author, 'rename', { seriesKey: row.series_key, segmentationId: id, detail: { from: row.name, to: name } });
      return this.recordOf(id);
    });
  }

  /** Soft delete: hidden from lists, every version kept; a ground-truth mark on it is lifted. */
  delete(id: string, author: string): StoreResult<SegmentationRecord> {
    return this.write(`delete segmentation ${id}`, () => {
      const row = this.liveRow(id);
      const at = this.now();
      this.db.prepare('UPDATE segmentations SET deleted_at = ? WHERE id = ?').run(at, id);
      if (this.db.prepare('DELETE FROM ground_truth WHERE segmentation_id = ?').run(id).changes > 0) {
        this.audit(at, author, 'unmark-ground-truth', { seriesKey: row.series_key, segmentationId: id, detail: { reason: 'deleted' } });
      }
      this.audit(at, author, 'delete', { seriesKey: row.series_key, segmentationId: id, detail: { name: row.name } });
      return this.recordOf(id);
    });
  }

  /**
   * Marks the segmentation (at its head version) as the ground truth of its series for its label set.
   * One ground truth per series and label set: a previous mark there moves to this one (both audited).
   */
  markGroundTruth(id: string, author: string): StoreResult<SegmentationRecord> {
    return this.write(`mark segmentation ${id} as ground truth`, () => {
      const row = this.liveRow(id);
      const head = this.headFor(id, null);
      const labelSet = labelSetKey(head.segments);
      const at = this.now();
      const previous = this.db.prepare('SELECT segmentation_id FROM ground_truth WHERE series_key = ? AND label_set = ?').get(row.series_key, labelSet) as { segmentation_id: string } | undefined;
      if (previous && previous.segmentation_id !== id) {
        this.audit(at, author, 'unmark-ground-truth', { seriesKey: row.series_key, segmentationId: previous.segmentation_id, detail: { replacedBy: id } });
      }
      this.db.prepare('DELETE FROM ground_truth WHERE (series_key = ? AND label_set = ?) OR segmentation_id = ?').run(row.series_key, labelSet, id);
      this.db
        .prepare('INSERT INTO ground_truth (series_key, label_set, segmentation_id, version_number, marked_at, marked_by) VALUES (?, ?, ?, ?, ?, ?)')
        .run(row.series_key, labelSet, id, head.number, at, author);
      this.audit(at, author, 'mark-ground-truth', { seriesKey: row.series_key, segmentationId: id, versionNumber: head.number, detail: { labels: head.segments.map((s) => s.label), replaced: previous?.segmentation_id ?? null } });
      return this.recordOf(id);
    });
  }

  /** Records that a segmentation was written out (a DICOM SEG, NIfTI, a report). */
  recordExport(id: string, author: string, target: string): StoreResult<null> {
    return this.write(`record an export of segmentation ${id}`, () => {
      const row = this.liveRow(id);
      this.audit(this.now(), author, 'export', { seriesKey: row.series_key, segmentationId: id, versionNumber: this.headFor(id, null).number, detail: { target } });
      return null;
    });
  }

  /**
   * A live segmentation of this series imported from this file whose first version holds exactly
   * this content (the same file opened again), or null: opening a file twice does not duplicate it.
   */
  findImport(seriesKey: string, filePath: string, content: SegmentationContent): StoreResult<SegmentationRecord | null> {
    return this.read(`look for an earlier import of ${filePath}`, () => {
      const candidates = (this.db.prepare('SELECT id, origin_json FROM segmentations WHERE series_key = ? AND deleted_at IS NULL ORDER BY created_at').all(seriesKey) as { id: string; origin_json: string }[])
        .filter((r) => { const o = JSON.parse(r.origin_json) as { kind: string; path?: string }; return o.kind === 'file' && o.path === filePath; });
      if (candidates.length === 0) return null;
      const wanted = sliceKeys(content);
      for (const candidate of candidates) {
        const first = this.versionRow(candidate.id, 1);
        if (first.width !== content.shape[0] || first.height !== content.shape[1] || first.depth !== content.shape[2]) continue;
        if (JSON.stringify((JSON.parse(first.segments_json) as Segment[]).map((s) => [s.number, s.label])) !== JSON.stringify(content.segments.map((s) => [s.number, s.label]))) continue;
        const stored = (this.db.prepare('SELECT segment_number, z, hash FROM version_slices WHERE version_id = ? ORDER BY segment_number, z').all(first.id) as { segment_number: number; z: number; hash: string }[])
          .map((r) => `${r.segment_number}/${r.z}/${r.hash}`);
        if (stored.length === wanted.length && stored.every((k, i) => k === wanted[i])) return this.recordOf(candidate.id);
      }
      return null;
    });
  }

  get(id: string): StoreResult<SegmentationRecord> {
    return this.read(`read segmentation ${id}`, () => this.recordOf(id));
  }

  /** The live segmentations of a series, oldest first. */
  list(seriesKey: string): StoreResult<SegmentationRecord[]> {
    return this.read(`list the segmentations of series ${seriesKey}`, () =>
      (this.db.prepare('SELECT id FROM segmentations WHERE series_key = ? AND deleted_at IS NULL ORDER BY created_at, rowid').all(seriesKey) as { id: string }[]).map((r) => this.recordOf(r.id)),
    );
  }

  versions(id: string): StoreResult<VersionInfo[]> {
    return this.read(`list the versions of segmentation ${id}`, () => {
      this.segmentationRow(id);
      return (this.db.prepare('SELECT * FROM versions WHERE segmentation_id = ? ORDER BY number').all(id) as VersionRow[]).map((v) => this.versionInfo(v));
    });
  }

  /** Any version's content (the head when versionNumber is omitted), as a fresh copy the caller may change. */
  load(id: string, versionNumber?: number): StoreResult<{ record: SegmentationRecord; version: VersionInfo; content: SegmentationContent }> {
    return this.read(`read segmentation ${id}`, () => {
      const record = this.recordOf(id);
      const row = this.versionRow(id, versionNumber ?? record.head.number);
      const version = this.versionInfo(row);
      const shape = version.shape;
      const sliceVoxels = voxelsPerSlice(shape);
      const packedBytes = (sliceVoxels + 7) >> 3;
      const masks = new Map(version.segments.map((s) => [s.number, new Uint8Array(sliceVoxels * shape[2])]));
      const rows = this.db
        .prepare('SELECT vs.segment_number AS segment, vs.z AS z, b.deflated AS deflated FROM version_slices vs JOIN slice_blobs b ON b.hash = vs.hash WHERE vs.version_id = ?')
        .all(row.id) as { segment: number; z: number; deflated: Buffer }[];
      for (const slice of rows) {
        const mask = masks.get(slice.segment);
        if (!mask) continue;
        unpackBitsInto(inflateSlice(slice.deflated, packedBytes, `${this.file} segmentation ${id} version ${row.number} segment ${slice.segment} z ${slice.z}`), sliceVoxels, mask, slice.z * sliceVoxels);
      }
      return { record, version, content: { shape, segments: version.segments, masks } };
    });
  }

  auditLog(filter: { segmentationId?: string; seriesKey?: string; reportStudyKey?: string } = {}): StoreResult<AuditEntry[]> {
    return this.read('read the audit log', () => {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.segmentationId) (where.push('segmentation_id = ?'), params.push(filter.segmentationId));
      if (filter.seriesKey) (where.push('series_key = ?'), params.push(filter.seriesKey));
      if (filter.reportStudyKey) (where.push('report_study_key = ?'), params.push(filter.reportStudyKey));
      const rows = this.db.prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`).all(...params) as {
        id: number; at: number; actor: string; action: AuditAction; series_key: string | null; segmentation_id: string | null; version_number: number | null; measurement_id: string | null; report_study_key: string | null; detail_json: string;
      }[];
      return rows.map((r) => ({
        id: r.id, at: iso(r.at), actor: r.actor, action: r.action, seriesKey: r.series_key, segmentationId: r.segmentation_id,
        versionNumber: r.version_number, measurementId: r.measurement_id, reportStudyKey: r.report_study_key, detail: JSON.parse(r.detail_json) as Record<string, unknown>,
      }));
    });
  }

  // ---- measurements --------------------------------------------------------------------------

  listMeasurements(seriesKey: string): StoreResult<MeasurementRecord[]> {
    return this.read(`list the measurements of series ${seriesKey}`, () =>
      (this.db.prepare('SELECT * FROM measurements WHERE series_key = ? AND deleted_at IS NULL ORDER BY created_at, rowid').all(seriesKey) as MeasurementRow[]).map(measurementOf),
    );
  }

  /** Creates a measurement, or updates the one with this id (geometry, label). */
  /**
   * Creates a measurement, or updates the one with this id. With `restore`, a deleted one is brought back
   * (undo of its deletion, redo of its creation) under the same id; without, a deleted id is refused.
   */
  saveMeasurement(args: { id?: string; seriesKey: string; geometry: MeasurementGeometry; image: MeasurementImage; label?: string; author: string; restore?: boolean }): StoreResult<MeasurementRecord> {
    const geometry = measurementGeometrySchema.safeParse(args.geometry);
    const image = measurementImageSchema.safeParse(args.image);
    if (!geometry.success || !image.success) return { ok: false, error: { kind: 'bad_input', message: `measurement on series ${args.seriesKey}: ${!geometry.success ? 'geometry' : 'image'} is malformed` } };
    return this.write(`save a measurement on series ${args.seriesKey}`, () => {
      const at = this.now();
      const existing = args.id ? (this.db.prepare('SELECT * FROM measurements WHERE id = ?').get(args.id) as MeasurementRow | undefined) : undefined;
      if (args.id && !existing) abort('not_found', `measurement ${args.id}: not in ${this.file}`);
      const restoring = existing?.deleted_at != null;
      if (restoring && !args.restore) abort('not_found', `measurement ${args.id}: was deleted`);
      if (existing && existing.series_key !== args.seriesKey) abort('bad_input', `measurement ${args.id}: belongs to series ${existing.series_key}, not ${args.seriesKey}`);
      const id = existing?.id ?? newId('meas');
      if (existing) {
        this.db.prepare('UPDATE measurements SET geometry_json = ?, image_json = ?, label = ?, updated_at = ?, deleted_at = NULL WHERE id = ?').run(JSON.stringify(geometry.data), JSON.stringify(image.data), args.label ?? existing.label, at, id);
      } else {
        this.db
          .prepare('INSERT INTO measurements (id, series_key, kind, geometry_json, image_json, label, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(id, args.seriesKey, geometry.data.kind, JSON.stringify(geometry.data), JSON.stringify(image.data), args.label ?? '', args.author, at, at);
      }
      this.audit(at, args.author, restoring ? 'measurement-restore' : existing ? 'measurement-edit' : 'measurement-create', { seriesKey: args.seriesKey, measurementId: id, detail: { kind: geometry.data.kind, geometry: geometry.data } });
      return measurementOf(this.db.prepare('SELECT * FROM measurements WHERE id = ?').get(id) as MeasurementRow);
    });
  }

  /** Soft-deletes a measurement; answers its series key. */
  deleteMeasurement(id: string, author: string): StoreResult<string> {
    return this.write(`delete measurement ${id}`, () => {
      const row = this.db.prepare('SELECT * FROM measurements WHERE id = ? AND deleted_at IS NULL').get(id) as MeasurementRow | undefined;
      if (!row) abort('not_found', `measurement ${id}: not in ${this.file} (or already deleted)`);
      const at = this.now();
      this.db.prepare('UPDATE measurements SET deleted_at = ? WHERE id = ?').run(at, id);
      this.audit(at, author, 'measurement-delete', { seriesKey: row!.series_key, measurementId: id, detail: {} });
      return row!.series_key;
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  /** One write transaction, taken IMMEDIATE (the write lock first, waiting up to busy_timeout for another process). */
  private write<T>(action: string, body: () => T): StoreResult<T> {
    try {
      return { ok: true, value: this.db.transaction(body).immediate() };
    } catch (e) {
      return this.failure(action, e);
    }
  }

  private read<T>(action: string, body: () => T): StoreResult<T> {
    try {
      return { ok: true, value: this.db.transaction(body).deferred() };
    } catch (e) {
      return this.failure(action, e);
    }
  }

  private failure(action: string, e: unknown): { ok: false; error: StoreError } {
    if (e instanceof StoreAbort) return { ok: false, error: e.storeError };
    const wrapped = databaseError(this.file, action, e);
    return { ok: false, error: { kind: 'io', message: wrapped.message, sqliteCode: wrapped.sqliteCode } };
  }

  private segmentationRow(id: string): SegmentationRow {
    const row = this.db.prepare('SELECT * FROM segmentations WHERE id = ?').get(id) as SegmentationRow | undefined;
    return row ?? abort('not_found', `segmentation ${id}: not in ${this.file}`);
  }

  private liveRow(id: string): SegmentationRow {
    const row = this.segmentationRow(id);
    if (row.deleted_at !== null) abort('not_found', `segmentation ${id}: was deleted`);
    return row;
  }

  private versionRow(id: string, number: number): VersionRow {
    const row = this.db.prepare('SELECT * FROM versions WHERE segmentation_id = ? AND number = ?').get(id, number) as VersionRow | undefined;
    return row ?? abort('not_found', `segmentation ${id}: has no version ${number}`);
  }

  /** The head version, checked against the version the caller edited (null: no check). */
  private headFor(id: string, expected: number | null): { versionId: number; number: number; seriesKey: string; segments: Segment[]; shape: Shape } {
    const row = this.liveRow(id);
    const head = this.db.prepare('SELECT * FROM versions WHERE segmentation_id = ? ORDER BY number DESC LIMIT 1').get(id) as VersionRow;
    if (expected !== null && head.number !== expected) {
      abort(
        'conflict',
        `segmentation ${id}: the edit was made on version ${expected}, but version ${head.number} was saved since (${iso(head.created_at)} by ${head.author}, another window or process); reload it and apply the edit again`,
      );
    }
    return { versionId: head.id, number: head.number, seriesKey: row.series_key, segments: JSON.parse(head.segments_json) as Segment[], shape: [head.width, head.height, head.depth] };
  }

  private insertVersion(id: string, number: number, parent: number | null, at: number, author: string, note: string, segments: Segment[], shape: Shape): number {
    const checked = segments.map((s) => segmentSchema.parse(s));
    return Number(
      this.db
        .prepare('INSERT INTO versions (segmentation_id, number, parent_number, created_at, author, note, segments_json, width, height, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, number, parent, at, author, note, JSON.stringify(checked), shape[0], shape[1], shape[2]).lastInsertRowid,
    );
  }

  /** Writes every non-empty slice of a content as references (and blobs where new); returns how many. */
  private writeSlices(versionId: number, content: SegmentationContent): number {
    const add = this.db.prepare('INSERT INTO version_slices (version_id, segment_number, z, hash) VALUES (?, ?, ?, ?)');
    let count = 0;
    for (const segment of content.segments) {
      const mask = content.masks.get(segment.number);
      if (!mask) continue;
      for (let z = 0; z < content.shape[2]; z++) {
        const bits = packSlice(mask, content.shape, z);
        if (!bits) continue;
        add.run(versionId, segment.number, z, this.ensureBlob(bits));
        count++;
      }
    }
    return count;
  }

  /** Stores a packed slice once (content-addressed) and returns its hash. */
  private ensureBlob(bits: Uint8Array): string {
    const hash = sliceHash(bits);
    if (!this.db.prepare('SELECT 1 FROM slice_blobs WHERE hash = ?').get(hash)) {
      this.db.prepare('INSERT INTO slice_blobs (hash, deflated, voxel_count) VALUES (?, ?, ?)').run(hash, deflateSlice(bits), countPackedBits(bits));
    }
    return hash;
  }

  private audit(at: number, actor: string, action: AuditAction, what: AuditTarget): void {
    this.db
      .prepare('INSERT INTO audit_log (at, actor, action, series_key, segmentation_id, version_number, measurement_id, report_study_key, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(at, actor, action, what.seriesKey ?? null, what.segmentationId ?? null, what.versionNumber ?? null, what.measurementId ?? null, what.reportStudyKey ?? null, JSON.stringify(what.detail));
  }

  private versionInfo(v: VersionRow): VersionInfo {
    const counts = this.db
      .prepare('SELECT vs.segment_number AS segment, SUM(b.voxel_count) AS voxels FROM version_slices vs JOIN slice_blobs b ON b.hash = vs.hash WHERE vs.version_id = ? GROUP BY vs.segment_number')
      .all(v.id) as { segment: number; voxels: number }[];
    const segments = JSON.parse(v.segments_json) as Segment[];
    const voxelCounts: Record<number, number> = {};
    for (const s of segments) voxelCounts[s.number] = 0;
    for (const c of counts) if (c.segment in voxelCounts) voxelCounts[c.segment] = c.voxels;
    return { number: v.number, parentNumber: v.parent_number, createdAt: iso(v.created_at), author: v.author, note: v.note, segments, shape: [v.width, v.height, v.depth], voxelCounts };
  }

  private recordOf(id: string): SegmentationRecord {
    const row = this.segmentationRow(id);
    const head = this.db.prepare('SELECT * FROM versions WHERE segmentation_id = ? ORDER BY number DESC LIMIT 1').get(id) as VersionRow;
    const { count } = this.db.prepare('SELECT COUNT(*) AS count FROM versions WHERE segmentation_id = ?').get(id) as { count: number };
    const mark = this.db.prepare('SELECT version_number, marked_at, marked_by FROM ground_truth WHERE segmentation_id = ?').get(id) as { version_number: number; marked_at: number; marked_by: string } | undefined;
    return {
      id: row.id,
      seriesKey: row.series_key,
      name: row.name,
      provenance: { role: row.role, author: row.author, origin: originSchema.parse(JSON.parse(row.origin_json)) },
      spacingMm: spacingOf(JSON.parse(row.spacing_json) as number[]),
      createdAt: iso(row.created_at),
      deletedAt: row.deleted_at === null ? null : iso(row.deleted_at),
      head: this.versionInfo(head),
      versionCount: count,
      groundTruth: mark ? { versionNumber: mark.version_number, markedAt: iso(mark.marked_at), markedBy: mark.marked_by } : null,
    };
  }
}

interface MeasurementRow {
  id: string;
  series_key: string;
  kind: string;
  geometry_json: string;
  image_json: string;
  label: string;
  author: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

const measurementOf = (r: MeasurementRow): MeasurementRecord => ({
  id: r.id,
  seriesKey: r.series_key,
  geometry: measurementGeometrySchema.parse(JSON.parse(r.geometry_json)),
  image: measurementImageSchema.parse(JSON.parse(r.image_json)),
  label: r.label,
  author: r.author,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** `segment/z/hash` of every non-empty slice, ordered by segment then z (as version_slices sorts them). */
function sliceKeys(content: SegmentationContent): string[] {
  const keys: string[] = [];
  for (const number of content.segments.map((s) => s.number).sort((a, b) => a - b)) {
    const mask = content.masks.get(number);
    if (!mask) continue;
    for (let z = 0; z < content.shape[2]; z++) {
      const bits = packSlice(mask, content.shape, z);
      if (bits) keys.push(`${number}/${z}/${sliceHash(bits)}`);
    }
  }
  return keys;
}

/** Packs a whole 0/1 slice (width × height bytes) for saveEdits; an all-zero slice becomes null (stored as nothing). */
export function sliceEdit(segment: number, z: number, slice: Uint8Array): SliceEdit {
  return { segment, z, bits: slice.some((v) => v !== 0) ? packBits(slice) : null };
}
