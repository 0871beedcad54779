// The study catalog: one SQLite file in the data home that remembers every import, which file
// holds which instance (under a stable file key), and which paths the user granted.
import path from 'node:path';
import type { CatalogSeries, CatalogStudy, GrantHow, StudyQuery, StudySummary } from '../contract/catalog';
import type { Instance, Patient, Series, Study } from '../contract/dicom';
import { err, ok, type Result } from '../contract/result';
import type { Statement } from 'better-sqlite3';
import { databaseError, openDatabase, type Db } from '../db/open-database';
import { assembleSeries } from '../dicom/study-tree';
import { isInside, notGrantedMessage, realPathOf } from './grants';
import { catalogMigrations } from './schema';

export const CATALOG_FILE = 'catalog.db';

/** What the byte routes need: the file under a key, only while the catalog has it present. */
export interface FileResolver {
  resolve(fileKey: string): string | undefined;
}

interface StudyRow {
  id: number;
  study_key: string;
  study_date: string;
  study_time: string;
  description: string;
  accession_number: string;
  imported_at: number;
  patient_id: string;
  patient_name: string;
  birth_date: string;
  sex: string;
}

interface SeriesRow {
  id: number;
  series_key: string;
  series_number: number | null;
  modality: string;
  description: string;
  study_row: number;
}

interface InstanceRow {
  series_row: number;
  sop_instance_uid: string;
  sop_class_uid: string;
  path: string;
  file_key: string;
  instance_number: number | null;
  position_x: number | null;
  position_y: number | null;
  position_z: number | null;
  orientation: string | null;
  slice_location: number | null;
  number_of_frames: number;
  rows: number;
  columns: number;
  transfer_syntax_uid: string;
}

interface SummaryRow extends StudyRow {
  modalities: string | null;
  series_count: number | null;
  instance_count: number | null;
  missing_count: number | null;
}

const STUDY_COLUMNS = `st.id, st.study_key, st.study_date, st.study_time, st.description, st.accession_number, st.imported_at,
  p.patient_id, p.patient_name, p.birth_date, p.sex`;

/** Most recent study date first; undated studies last; then the latest import. */
const STUDY_ORDER = `st.study_date = '' ASC, st.study_date DESC, st.study_time DESC, st.imported_at DESC, st.id DESC`;

const likeEscape = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function instanceFromRow(row: InstanceRow): Instance {
  const position: Instance['imagePositionPatient'] =
    row.position_x !== null && row.position_y !== null && row.position_z !== null ? [row.position_x, row.position_y, row.position_z] : null;
  return {
    sopInstanceUid: row.sop_instance_uid,
    sopClassUid: row.sop_class_uid,
    path: row.path,
    fileKey: row.file_key,
    instanceNumber: row.instance_number,
    imagePositionPatient: position,
    imageOrientationPatient: row.orientation ? (JSON.parse(row.orientation) as Instance['imageOrientationPatient']) : null,
    sliceLocation: row.slice_location,
    numberOfFrames: row.number_of_frames,
    rows: row.rows,
    columns: row.columns,
    transferSyntaxUid: row.transfer_syntax_uid,
  };
}

const patientFromRow = (row: StudyRow): Omit<Patient, 'studies'> => ({
  patientId: row.patient_id,
  patientName: row.patient_name,
  birthDate: row.birth_date,
  sex: row.sex,
});

const studyFromRow = (row: StudyRow): Omit<Study, 'series'> => ({
  studyInstanceUid: row.study_key,
  studyDate: row.study_date,
  studyTime: row.study_time,
  description: row.description,
  accessionNumber: row.accession_number,
});

export class Catalog implements FileResolver {
  private readonly grants = new Map<string, GrantHow>();
  private resolveStatement: Statement<[string], { path: string }> | null = null;

  private constructor(
    /** The open database (the importer writes through it). */
    readonly db: Db,
    /** The database file, named in every error. */
    readonly file: string,
  ) {
    for (const row of db.prepare<[], { path: string; how: GrantHow }>('SELECT path, how FROM granted_roots').all()) {
      this.grants.set(row.path, row.how);
    }
  }

  /** Opens (creating and migrating) `<home>/catalog.db`. Throws a DatabaseError naming the file. */
  static open(home: string): Catalog {
    const file = path.join(home, CATALOG_FILE);
    // NORMAL: the catalog indexes files the user has and can be rebuilt by importing again.
    return new Catalog(openDatabase(file, { migrations: catalogMigrations, synchronous: 'NORMAL' }), file);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The path of a present file under this key, or undefined. Asked once per image the viewer loads. */
  resolve(fileKey: string): string | undefined {
    this.resolveStatement ??= this.db.prepare<[string], { path: string }>(
      `SELECT f.path FROM instances i JOIN files f ON f.id = i.file_row WHERE i.file_key = ? AND f.status = 'present'`,
    );
    return this.resolveStatement.get(fileKey)?.path;
  }

  /**
   * Records the paths as chosen by the user; returns their real paths. A path granted before keeps
   * how it was first granted (a picked folder typed again later stays 'dialog').
   */
  grant(paths: readonly string[], how: GrantHow): string[] {
    const now = Date.now();
    const real = paths.map(realPathOf);
    const insert = this.db.prepare<[string, GrantHow, number]>(
      'INSERT INTO granted_roots (path, how, granted_at) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET granted_at = excluded.granted_at',
    );
    try {
      this.db.transaction(() => {
        for (const p of real) insert.run(p, how, now);
      })();
    } catch (e) {
      throw databaseError(this.file, 'record the granted paths', e);
    }
    for (const p of real) if (!this.grants.has(p)) this.grants.set(p, how);
    return real;
  }

  /** The granted roots (real paths) and how each was granted. */
  grantedRoots(): Array<{ path: string; how: GrantHow }> {
    return [...this.grants].map(([p, how]) => ({ path: p, how }));
  }

  /**
   * Ok with the real path when `p` is a granted root or inside one (after resolving `..` and
   * symbolic links); else a `forbidden` error that names the path and says what to do.
   */
  checkGranted(p: string): Result<string> {
    const real = realPathOf(p);
    for (const root of this.grants.keys()) if (isInside(real, root)) return ok(real);
    return err('forbidden', notGrantedMessage(p));
  }

  /** Studies matching the query, most recent first, with their counts. */
  studies(query: StudyQuery = {}): { studies: StudySummary[]; total: number } {
    const where: string[] = [];
    const params: Array<string | number> = [];
    for (const word of (query.query ?? '').split(/\s+/).filter(Boolean)) {
      const like = `%${likeEscape(word)}%`;
      where.push(`(p.patient_name LIKE ? ESCAPE '\\' OR p.patient_id LIKE ? ESCAPE '\\' OR st.description LIKE ? ESCAPE '\\'
        OR st.accession_number LIKE ? ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM series w WHERE w.study_row = st.id AND w.description LIKE ? ESCAPE '\\'))`);
      params.push(like, like, like, like, like);
    }
    if (query.modality) {
      where.push('EXISTS (SELECT 1 FROM series m WHERE m.study_row = st.id AND m.modality = ? COLLATE NOCASE)');
      params.push(query.modality);
    }
    if (query.dateFrom) {
      where.push(`st.study_date <> '' AND st.study_date >= ?`);
      params.push(query.dateFrom);
    }
    if (query.dateTo) {
      where.push(`st.study_date <> '' AND st.study_date <= ?`);
      params.push(query.dateTo);
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const limit = query.limit ?? 500;
    const rows = this.db
      .prepare<Array<string | number>, SummaryRow>(
        `WITH counts AS (
           SELECT se.study_row AS study_row, COUNT(DISTINCT se.id) AS series_count, COUNT(i.id) AS instance_count,
             SUM(CASE WHEN f.status = 'missing' THEN 1 ELSE 0 END) AS missing_count,
             group_concat(DISTINCT se.modality) AS modalities
           FROM series se LEFT JOIN instances i ON i.series_row = se.id LEFT JOIN files f ON f.id = i.file_row
           GROUP BY se.study_row)
         SELECT ${STUDY_COLUMNS}, c.modalities, c.series_count, c.instance_count, c.missing_count
         FROM studies st JOIN patients p ON p.id = st.patient_row LEFT JOIN counts c ON c.study_row = st.id
         ${whereSql} ORDER BY ${STUDY_ORDER} LIMIT ?`,
      )
      .all(...params, limit);
    const total =
      rows.length < limit
        ? rows.length
        : this.db
            .prepare<Array<string | number>, { n: number }>(`SELECT COUNT(*) AS n FROM studies st JOIN patients p ON p.id = st.patient_row ${whereSql}`)
            .get(...params)!.n;
    const studies = rows.map(
      (row): StudySummary => ({
        studyKey: row.study_key,
        patientName: row.patient_name,
        patientId: row.patient_id,
        studyDate: row.study_date,
        studyTime: row.study_time,
        description: row.description,
        accessionNumber: row.accession_number,
        modalities: (row.modalities ?? '').split(',').filter(Boolean).sort(),
        seriesCount: row.series_count ?? 0,
        instanceCount: row.instance_count ?? 0,
        missingCount: row.missing_count ?? 0,
        importedAt: row.imported_at,
      }),
    );
    return { studies, total };
  }

  /** Study and series keys of these series rows, in catalog order (most recent study first, series by number). */
  orderedKeys(seriesRowIds: number[]): { studyKeys: string[]; seriesKeys: string[] } {
    const rows = this.db
      .prepare<[string], { series_key: string; study_key: string }>(
        `SELECT se.series_key, st.study_key FROM series se JOIN studies st ON st.id = se.study_row
         WHERE se.id IN (SELECT value FROM json_each(?))
         ORDER BY ${STUDY_ORDER}, se.series_number IS NULL, se.series_number, se.series_key`,
      )
      .all(JSON.stringify(seriesRowIds));
    return { studyKeys: [...new Set(rows.map((r) => r.study_key))], seriesKeys: rows.map((r) => r.series_key) };
  }

  /** One study with its patient and every series (present instances in slice order), or null. */
  study(studyKey: string): CatalogStudy | null {
    const row = this.db
      .prepare<[string], StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies st JOIN patients p ON p.id = st.patient_row WHERE st.study_key = ?`)
      .get(studyKey);
    if (!row) return null;
    const seriesRows = this.db
      .prepare<[number], SeriesRow>(
        'SELECT id, series_key, series_number, modality, description, study_row FROM series WHERE study_row = ? ORDER BY series_number IS NULL, series_number, series_key',
      )
      .all(row.id);
    const built = this.buildSeries(seriesRows);
    const missingBySeries: Record<string, number> = {};
    for (const { series, missingCount } of built) missingBySeries[series.seriesInstanceUid] = missingCount;
    const study: Study = { ...studyFromRow(row), series: built.map((b) => b.series) };
    return { patient: { ...patientFromRow(row), studies: [study] }, missingBySeries };
  }

  /** One series with its patient and study, or null. */
  series(seriesKey: string): CatalogSeries | null {
    const seriesRow = this.db
      .prepare<[string], SeriesRow>('SELECT id, series_key, series_number, modality, description, study_row FROM series WHERE series_key = ?')
      .get(seriesKey);
    if (!seriesRow) return null;
    const row = this.db
      .prepare<[number], StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies st JOIN patients p ON p.id = st.patient_row WHERE st.id = ?`)
      .get(seriesRow.study_row);
    if (!row) return null;
    const [built] = this.buildSeries([seriesRow]);
    return { patient: patientFromRow(row), study: studyFromRow(row), series: built.series, missingCount: built.missingCount };
  }

  /** Series objects from rows: present instances only, in slice order; missing ones counted. */
  private buildSeries(seriesRows: SeriesRow[]): Array<{ series: Series; missingCount: number }> {
    if (seriesRows.length === 0) return [];
    const ids = JSON.stringify(seriesRows.map((s) => s.id));
    const instanceRows = this.db
      .prepare<[string], InstanceRow>(
        `SELECT i.series_row, i.sop_instance_uid, i.sop_class_uid, f.path, i.file_key, i.instance_number,
           i.position_x, i.position_y, i.position_z, i.orientation, i.slice_location, i.number_of_frames, i.rows, i.columns,
           i.transfer_syntax_uid
         FROM instances i JOIN files f ON f.id = i.file_row
         WHERE i.series_row IN (SELECT value FROM json_each(?)) AND f.status = 'present'`,
      )
      .all(ids);
    const missing = this.db
      .prepare<[string], { series_row: number; n: number }>(
        `SELECT i.series_row, COUNT(*) AS n FROM instances i JOIN files f ON f.id = i.file_row
         WHERE i.series_row IN (SELECT value FROM json_each(?)) AND f.status = 'missing' GROUP BY i.series_row`,
      )
      .all(ids);
    const instancesBySeries = new Map<number, Instance[]>();
    for (const r of instanceRows) {
      const list = instancesBySeries.get(r.series_row) ?? [];
      list.push(instanceFromRow(r));
      instancesBySeries.set(r.series_row, list);
    }
    const missingBySeries = new Map(missing.map((m) => [m.series_row, m.n]));
    return seriesRows.map((s) => ({
      series: assembleSeries(
        { seriesInstanceUid: s.series_key, seriesNumber: s.series_number, modality: s.modality, description: s.description },
        instancesBySeries.get(s.id) ?? [],
      ),
      missingCount: missingBySeries.get(s.id) ?? 0,
    }));
  }
}
