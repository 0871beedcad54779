// Importing into the catalog: walk and inspect as the indexer does, but read only files that are
// new or changed (path, size, mtime), mark vanished ones missing, and write in batched transactions.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ImportError, ImportSummary } from '../contract/dicom';
import { databaseError } from '../db/open-database';
import type { InstanceRecord } from '../dicom/describe-instance';
import { acceptOutcomes, scanPaths, statFiles, type FileStat, type HeaderReader } from '../dicom/indexer';
import { patientKeyOf } from '../dicom/study-tree';
import type { Catalog } from './catalog';
import { isInside } from './grants';

export interface CatalogImportOptions {
  signal?: AbortSignal;
  onProgress?: (processed: number, total: number) => void;
  /** Files inspected at once (default 8, as the indexer). */
  concurrency?: number;
  /** Who parses the headers (the app passes its sandboxed reader); default: this thread, as the indexer. */
  headerReader?: HeaderReader;
}

interface KnownFile extends FileStat {
  id: number;
  path: string;
  status: 'present' | 'missing';
}

/** Rows written per transaction: each one is short, so the event loop (socket, progress) keeps moving. */
const WRITE_BATCH = 1000;
/** Paths per known-file lookup (one bound JSON array each). */
const LOOKUP_BATCH = 1000;

const FILE_KEY_BYTES = 18;
/** Random file keys, `count` of them from one draw of the system's generator. */
function newFileKeys(count: number): () => string {
  const pool = randomBytes(FILE_KEY_BYTES * count);
  let next = 0;
  return () => pool.toString('base64url', FILE_KEY_BYTES * next, FILE_KEY_BYTES * ++next);
}
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One instance row's values, in the column order of upsertInstancesSql. */
type InstanceValues = [
  string, number, number, string, string, number | null, number | null, number | null, number | null, string | null, number | null,
  number, number, number, string,
];
const INSTANCE_COLUMNS = 15;
/** Instance rows per multi-row insert: one statement instead of 64 (the per-statement overhead was most of the cost). */
const INSTANCE_CHUNK = 64;

function upsertInstancesSql(rows: number): string {
  const row = `(${Array(INSTANCE_COLUMNS).fill('?').join(', ')})`;
  return `INSERT INTO instances (sop_instance_uid, series_row, file_row, file_key, sop_class_uid, instance_number,
       position_x, position_y, position_z, orientation, slice_location, number_of_frames, rows, columns, transfer_syntax_uid)
     VALUES ${Array(rows).fill(row).join(', ')}
     ON CONFLICT(sop_instance_uid) DO UPDATE SET series_row = excluded.series_row, file_row = excluded.file_row,
       sop_class_uid = excluded.sop_class_uid, instance_number = excluded.instance_number, position_x = excluded.position_x,
       position_y = excluded.position_y, position_z = excluded.position_z, orientation = excluded.orientation,
       slice_location = excluded.slice_location, number_of_frames = excluded.number_of_frames, rows = excluded.rows,
       columns = excluded.columns, transfer_syntax_uid = excluded.transfer_syntax_uid`;
}

/** Prepared statements of one import. */
function statements(catalog: Catalog) {
  const db = catalog.db;
  return {
    knownFiles: db.prepare<[string], KnownFile>(
      'SELECT id, path, size, mtime_ms AS mtimeMs, status FROM files WHERE path IN (SELECT value FROM json_each(?))',
    ),
    filesUnder: db.prepare<[string, string, string], { id: number; path: string }>(
      // A range scan on the path index: the root itself, and everything that starts with root + separator.
      `SELECT id, path FROM files WHERE status = 'present' AND (path = ? OR (path >= ? AND path < ?))`,
    ),
    markMissing: db.prepare<[number]>(`UPDATE files SET status = 'missing' WHERE id = ?`),
    markSeen: db.prepare<[number, number]>(`UPDATE files SET status = 'present', last_seen_ms = ? WHERE id = ?`),
    insertFile: db.prepare<[string, number, number, number]>(
      `INSERT INTO files (path, size, mtime_ms, status, last_seen_ms) VALUES (?, ?, ?, 'present', ?)`,
    ),
    upsertFile: db.prepare<[string, number, number, number], { id: number }>(
      `INSERT INTO files (path, size, mtime_ms, status, last_seen_ms) VALUES (?, ?, ?, 'present', ?)
       ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, status = 'present', last_seen_ms = excluded.last_seen_ms
       RETURNING id`,
    ),
    upsertPatient: db.prepare<[string, string, string, string, string], { id: number }>(
      `INSERT INTO patients (patient_key, patient_id, patient_name, birth_date, sex) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(patient_key) DO UPDATE SET patient_id = excluded.patient_id, patient_name = excluded.patient_name,
         birth_date = excluded.birth_date, sex = excluded.sex
       RETURNING id`,
    ),
    upsertStudy: db.prepare<[string, number, string, string, string, string, number], { id: number }>(
      `INSERT INTO studies (study_key, patient_row, study_date, study_time, description, accession_number, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(study_key) DO UPDATE SET patient_row = excluded.patient_row, study_date = excluded.study_date,
         study_time = excluded.study_time, description = excluded.description, accession_number = excluded.accession_number,
         imported_at = excluded.imported_at
       RETURNING id`,
    ),
    upsertSeries: db.prepare<[string, number, number | null, string, string], { id: number }>(
      `INSERT INTO series (series_key, study_row, series_number, modality, description) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(series_key) DO UPDATE SET study_row = excluded.study_row, series_number = excluded.series_number,
         modality = excluded.modality, description = excluded.description
       RETURNING id`,
    ),
    dropOtherInstance: db.prepare<[number, string]>('DELETE FROM instances WHERE file_row = ? AND sop_instance_uid <> ?'),
    dropInstanceOfFile: db.prepare<[number]>('DELETE FROM instances WHERE file_row = ?'),
    upsertInstance: db.prepare<InstanceValues>(upsertInstancesSql(1)),
    upsertInstances: db.prepare<Array<InstanceValues[number]>>(upsertInstancesSql(INSTANCE_CHUNK)),
    dropRejection: db.prepare<[number]>('DELETE FROM rejected_files WHERE file_row = ?'),
    upsertRejection: db.prepare<[number, string, string]>(
      `INSERT INTO rejected_files (file_row, code, reason) VALUES (?, ?, ?)
       ON CONFLICT(file_row) DO UPDATE SET code = excluded.code, reason = excluded.reason`,
    ),
    // The lookups below take a JSON array of ids or UIDs: one statement per batch, not one per file.
    markSeenAll: db.prepare<[number, string]>(
      `UPDATE files SET status = 'present', last_seen_ms = ? WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    rejectionsOf: db.prepare<[string], { file_row: number; code: ImportError['code']; reason: string }>(
      'SELECT file_row, code, reason FROM rejected_files WHERE file_row IN (SELECT value FROM json_each(?))',
    ),
    seriesOfFiles: db.prepare<[string], { series_row: number }>(
      'SELECT DISTINCT series_row FROM instances WHERE file_row IN (SELECT value FROM json_each(?))',
    ),
    sopOwners: db.prepare<[string], { sop: string; id: number; path: string; status: string }>(
      `SELECT i.sop_instance_uid AS sop, f.id, f.path, f.status FROM instances i JOIN files f ON f.id = i.file_row
       WHERE i.sop_instance_uid IN (SELECT value FROM json_each(?))`,
    ),
  };
}

/** Deletes series, studies and patients left without instances, and missing files nothing refers to. */
function prune(catalog: Catalog): void {
  catalog.db.exec(`
    DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.series_row = series.id);
    DELETE FROM studies WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.study_row = studies.id);
    DELETE FROM patients WHERE NOT EXISTS (SELECT 1 FROM studies s WHERE s.patient_row = patients.id);
    DELETE FROM files WHERE status = 'missing'
      AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.file_row = files.id)
      AND NOT EXISTS (SELECT 1 FROM rejected_files r WHERE r.file_row = files.id);
  `);
}

/** Runs `write` over `items` in transactions of WRITE_BATCH, yielding to the event loop between them. */
async function inBatches<T>(catalog: Catalog, items: T[], write: (batch: T[]) => void, signal?: AbortSignal): Promise<void> {
  for (let start = 0; start < items.length; start += WRITE_BATCH) {
    signal?.throwIfAborted();
    const batch = items.slice(start, start + WRITE_BATCH);
    catalog.db.transaction(() => write(batch))();
    if (start + WRITE_BATCH < items.length) await yieldToEventLoop();
  }
}

/** `query` over `items` in chunks of LOOKUP_BATCH, each chunk bound as one JSON array. */
function lookUp<T, R>(items: T[], query: (json: string) => R[]): R[] {
  const rows: R[] = [];
  for (let start = 0; start < items.length; start += LOOKUP_BATCH) {
    for (const row of query(JSON.stringify(items.slice(start, start + LOOKUP_BATCH)))) rows.push(row);
  }
  return rows;
}

/**
 * Imports files and folders (recursively) into the catalog. Unchanged files (same path, size and
 * modification time) are not read again, images and rejected files alike; changed ones are read
 * and updated; files the catalog knew under these paths that are gone are marked missing.
 * Rejects when cancelled or when the catalog cannot be written (a DatabaseError naming the file).
 */
export async function importIntoCatalog(catalog: Catalog, paths: string[], opts: CatalogImportOptions = {}): Promise<ImportSummary> {
  const roots = paths.map((p) => path.resolve(p));
  const q = statements(catalog);
  const known = new Map<string, KnownFile>();
  const unchanged: KnownFile[] = [];

  const selectFiles = async (files: string[]): Promise<string[]> => {
    for (const row of lookUp(files, (json) => q.knownFiles.all(json))) known.set(row.path, row);
    // Only files the catalog knows need a stat to decide; new ones are read anyway, and the read
    // reports their size and time as they were before it (a file changed while being read then
    // differs at the next import).
    const knownPaths = files.filter((f) => known.has(f));
    const knownStats = new Map<string, FileStat | null>();
    (await statFiles(knownPaths)).forEach((s, i) => knownStats.set(knownPaths[i], s));
    const selected: string[] = [];
    for (const file of files) {
      const before = known.get(file);
      const now = before && knownStats.get(file);
      if (before && now && before.size === now.size && before.mtimeMs === now.mtimeMs) unchanged.push(before);
      else selected.push(file);
    }
    return selected;
  };

  const scan = await scanPaths(roots, { signal: opts.signal, onProgress: opts.onProgress, concurrency: opts.concurrency, headerReader: opts.headerReader, selectFiles, statFiles: true });
  const stats = new Map<string, FileStat>();
  scan.inspected.forEach((file, i) => {
    const s = scan.stats[i];
    if (s) stats.set(file, s);
  });

  const now = Date.now();
  const errors: ImportError[] = [...scan.walk.errors];
  const seriesRows = new Set<number>();
  let missing = 0;
  try {
    // Files gone from under the roots first: a moved file then takes its instance (and file key) along.
    const walked = new Set(scan.walk.files);
    const gone: number[] = [];
    for (const root of roots) {
      const prefix = root.endsWith(path.sep) ? root : root + path.sep;
      const afterPrefix = prefix.slice(0, -1) + String.fromCharCode(path.sep.charCodeAt(0) + 1);
      for (const row of q.filesUnder.all(root, prefix, afterPrefix)) {
        if (!walked.has(row.path) && isInside(row.path, root)) gone.push(row.id);
      }
    }
    const goneIds = [...new Set(gone)];
    missing += goneIds.length;
    await inBatches(catalog, goneIds, (batch) => batch.forEach((id) => q.markMissing.run(id)), opts.signal);

    await inBatches(
      catalog,
      unchanged,
      (batch) => {
        const ids = batch.map((file) => file.id);
        q.markSeenAll.run(now, JSON.stringify(ids));
        const rejections = new Map(q.rejectionsOf.all(JSON.stringify(ids)).map((r) => [r.file_row, r]));
        for (const file of batch) {
          const rejection = rejections.get(file.id);
          if (rejection) errors.push({ path: file.path, code: rejection.code, reason: rejection.reason });
        }
        for (const r of q.seriesOfFiles.all(JSON.stringify(ids))) seriesRows.add(r.series_row);
      },
      opts.signal,
    );

    const inspected = new Set(scan.inspected);
    const movedAway: number[] = [];
    const sops = scan.outcomes.flatMap((o) => (o.kind === 'instance' ? [o.record.instance.sopInstanceUid] : []));
    const owners = new Map(lookUp(sops, (json) => q.sopOwners.all(json)).map((r) => [r.sop, r]));
    const accepted = acceptOutcomes(scan.outcomes, (sop, filePath) => {
      const owner = owners.get(sop);
      if (!owner || owner.status !== 'present' || owner.path === filePath || inspected.has(owner.path)) return undefined;
      // The catalog's copy is gone (moved here from outside these roots): this file takes its place.
      if (!existsSync(owner.path)) {
        movedAway.push(owner.id);
        return undefined;
      }
      return owner.path; // another file that is still there holds this instance: a duplicate
    });
    missing += movedAway.length;
    await inBatches(catalog, movedAway, (batch) => batch.forEach((id) => q.markMissing.run(id)), opts.signal);
    /** The file's row, and whether the catalog had it before (then its old instance or rejection may need clearing). */
    const fileRowOf = (filePath: string): { row: number; existed: boolean } => {
      const s = stats.get(filePath) ?? { size: 0, mtimeMs: 0 };
      // A path not known at the start has no row: nothing else in this import writes it.
      if (!known.has(filePath)) return { row: Number(q.insertFile.run(filePath, s.size, s.mtimeMs, now).lastInsertRowid), existed: false };
      return { row: q.upsertFile.get(filePath, s.size, s.mtimeMs, now)!.id, existed: true };
    };
    const rowIds = new Map<string, number>();
    const rowId = (key: string, make: () => number): number => {
      let id = rowIds.get(key);
      if (id === undefined) rowIds.set(key, (id = make()));
      return id;
    };

    await inBatches(
      catalog,
      accepted.records,
      (batch) => {
        const fileKey = newFileKeys(batch.length);
        // Rows of new files, written INSTANCE_CHUNK at a time (a new file has no old instance or rejection to clear).
        const pending: InstanceValues[] = [];
        const flushInstances = (): void => {
          let start = 0;
          for (; start + INSTANCE_CHUNK <= pending.length; start += INSTANCE_CHUNK) {
            q.upsertInstances.run(...pending.slice(start, start + INSTANCE_CHUNK).flat());
          }
          for (; start < pending.length; start++) q.upsertInstance.run(...pending[start]);
          pending.length = 0;
        };
        for (const record of batch) {
          const patientKey = patientKeyOf(record.patient);
          const { patient, study, series, instance } = record;
          const patientRow = rowId(`p\n${patientKey}`, () => q.upsertPatient.get(patientKey, patient.patientId, patient.patientName, patient.birthDate, patient.sex)!.id);
          const studyRow = rowId(`st\n${study.studyInstanceUid}`, () =>
            q.upsertStudy.get(study.studyInstanceUid, patientRow, study.studyDate, study.studyTime, study.description, study.accessionNumber, now)!.id,
          );
          const seriesRow = rowId(`se\n${series.seriesInstanceUid}`, () =>
            q.upsertSeries.get(series.seriesInstanceUid, studyRow, series.seriesNumber, series.modality, series.description)!.id,
          );
          seriesRows.add(seriesRow);
          const file = fileRowOf(instance.path);
          if (file.existed) {
            // Its deletes must see every earlier row in place, as one-by-one inserts would have left them.
            flushInstances();
            q.dropRejection.run(file.row);
            q.dropOtherInstance.run(file.row, instance.sopInstanceUid);
          }
          const position = instance.imagePositionPatient;
          const values: InstanceValues = [
            instance.sopInstanceUid,
            seriesRow,
            file.row,
            fileKey(),
            instance.sopClassUid,
            instance.instanceNumber,
            position?.[0] ?? null,
            position?.[1] ?? null,
            position?.[2] ?? null,
            instance.imageOrientationPatient ? JSON.stringify(instance.imageOrientationPatient) : null,
            instance.sliceLocation,
            instance.numberOfFrames,
            instance.rows,
            instance.columns,
            instance.transferSyntaxUid,
          ];
          if (file.existed) q.upsertInstance.run(...values);
          else pending.push(values);
        }
        flushInstances();
      },
      opts.signal,
    );

    await inBatches(
      catalog,
      accepted.errors,
      (batch) => {
        for (const error of batch) {
          const file = fileRowOf(error.path);
          if (file.existed) q.dropInstanceOfFile.run(file.row);
          q.upsertRejection.run(file.row, error.code, error.reason);
          errors.push(error);
        }
      },
      opts.signal,
    );
    catalog.db.transaction(() => prune(catalog))();
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw databaseError(catalog.file, 'save the import', e);
  }

  const added = scan.inspected.filter((f) => !known.has(f)).length;
  const keys = catalog.orderedKeys([...seriesRows]);
  return {
    fileCount: scan.walk.files.length + scan.walk.errors.length,
    added,
    updated: scan.inspected.length - added,
    unchanged: unchanged.length,
    missing,
    errors,
    studyKeys: keys.studyKeys,
    seriesKeys: keys.seriesKeys,
  };
}
