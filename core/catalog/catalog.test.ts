import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogSeriesSchema, catalogStudySchema } from '../contract/catalog';
import { importSummarySchema } from '../contract/dicom';
import { openDatabase } from '../db/open-database';
import { Catalog, CATALOG_FILE } from './catalog';
import { importIntoCatalog } from './import';
import { catalogMigrations } from './schema';
import { writeTinyStudy } from './test-fixtures';

let tmp: string;
let home: string;
let catalog: Catalog;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-catalog-'));
  home = path.join(tmp, 'home');
  mkdirSync(home);
  catalog = Catalog.open(home);
});
afterEach(() => {
  catalog.close();
  rmSync(tmp, { recursive: true, force: true });
});

const study = (dir: string, fields: Partial<Parameters<typeof writeTinyStudy>[1]> = {}) =>
  writeTinyStudy(dir, { patientName: 'Doe^Jane', patientId: 'P1', studyDate: '20250101', modality: 'CT', studyDescription: 'Chest', ...fields });

/** A whole-second modification time: utimes cannot set the nanoseconds a fresh write gets, so tests start from one. */
const setWholeSecondTime = (file: string): void => utimesSync(file, 1_700_000_000, 1_700_000_000);

/** Keeps a file's size and modification time while replacing its bytes (what a skipped file would never notice). */
function scrambleKeepingStat(file: string): void {
  const { size } = statSync(file);
  writeFileSync(file, Buffer.alloc(size, 0x5a));
  setWholeSecondTime(file);
}

describe('importing into the catalog', () => {
  it('adds studies, series and instances whose file keys resolve to their files', async () => {
    const written = await study(path.join(tmp, 'a'));
    const summary = await importIntoCatalog(catalog, [path.join(tmp, 'a')]);
    expect(importSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({ fileCount: 3, added: 3, updated: 0, unchanged: 0, missing: 0, errors: [] });
    expect(summary.studyKeys).toEqual([written.studyUid]);
    expect(summary.seriesKeys).toEqual([written.seriesUid]);
    const one = catalog.series(written.seriesUid);
    expect(catalogSeriesSchema.parse(one)).toEqual(one);
    expect(one?.series.instances.map((i) => i.path)).toEqual(written.files);
    expect(one?.series.frames).toHaveLength(3);
    for (const instance of one?.series.instances ?? []) expect(catalog.resolve(instance.fileKey)).toBe(instance.path);
    expect(catalog.resolve('no-such-key')).toBeUndefined();
    const tree = catalog.study(written.studyUid);
    expect(catalogStudySchema.parse(tree)).toEqual(tree);
    expect(tree?.patient).toMatchObject({ patientName: 'Doe^Jane', patientId: 'P1' });
    expect(tree?.patient.studies[0].series[0].instances).toHaveLength(3);
    expect(tree?.missingBySeries).toEqual({ [written.seriesUid]: 0 });
  });

  it('skips unchanged files on re-import, images and rejected files alike, and keeps their file keys', async () => {
    const dir = path.join(tmp, 'a');
    const written = await study(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    setWholeSecondTime(written.files[0]);
    const first = await importIntoCatalog(catalog, [dir]);
    expect(first).toMatchObject({ fileCount: 4, added: 4, unchanged: 0 });
    expect(first.errors.map((e) => [path.basename(e.path), e.code])).toEqual([['notes.txt', 'not_dicom']]);
    const keysBefore = catalog.series(written.seriesUid)?.series.instances.map((i) => i.fileKey);
    // Same size and time, different bytes: a re-read would reject it; a skip keeps it as it was.
    scrambleKeepingStat(written.files[0]);
    const again = await importIntoCatalog(catalog, [dir]);
    expect(again).toMatchObject({ fileCount: 4, added: 0, updated: 0, unchanged: 4, missing: 0 });
    expect(again.errors).toEqual(first.errors);
    expect(again.seriesKeys).toEqual([written.seriesUid]);
    expect(catalog.series(written.seriesUid)?.series.instances.map((i) => i.fileKey)).toEqual(keysBefore);
  });

  it('keeps the size and time the reader thread saw (a large import), so a re-import skips the files and sees a change', async () => {
    // Past the indexer's threshold for batched reads on its thread (128 files), which reports each file's fstat.
    const dir = path.join(tmp, 'big');
    const written = await study(dir, { slices: 140 });
    writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    const first = await importIntoCatalog(catalog, [dir]);
    expect(first).toMatchObject({ fileCount: 141, added: 141, unchanged: 0 });
    const rows = catalog.db.prepare<[], { path: string; size: number; mtime_ms: number }>('SELECT path, size, mtime_ms FROM files').all();
    expect(rows).toHaveLength(141);
    for (const row of rows) {
      const now = statSync(row.path);
      expect([row.size, row.mtime_ms]).toEqual([now.size, now.mtimeMs]);
    }
    const again = await importIntoCatalog(catalog, [dir]);
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 141 });
    expect(again.errors.map((e) => [path.basename(e.path), e.code])).toEqual([['notes.txt', 'not_dicom']]);
    writeFileSync(written.files[7], 'now a text file');
    const third = await importIntoCatalog(catalog, [dir]);
    expect(third).toMatchObject({ added: 0, updated: 1, unchanged: 140 });
    expect(catalog.series(written.seriesUid)?.series.instances).toHaveLength(139);
  });

  it('an instance moving to a new file ahead of its old, changed file keeps its key', async () => {
    const dir = path.join(tmp, 'a');
    const written = await study(dir);
    await importIntoCatalog(catalog, [dir]);
    const keyOf = (p: string) => catalog.series(written.seriesUid)?.series.instances.find((i) => i.path === p)?.fileKey;
    const keyBefore = keyOf(written.files[0]);
    // The new file sorts (and is written) before the old one, which now holds another study's instance.
    const moved = path.join(dir, 'a-first.dcm');
    copyFileSync(written.files[0], moved);
    const other = await study(path.join(tmp, 'b'));
    copyFileSync(other.files[0], written.files[0]);
    const again = await importIntoCatalog(catalog, [dir]);
    expect(again).toMatchObject({ added: 1, updated: 1, unchanged: 2, missing: 0, errors: [] });
    expect(keyBefore).toBeDefined();
    expect(keyOf(moved)).toBe(keyBefore);
    expect(catalog.series(other.seriesUid)?.series.instances.map((i) => i.path)).toEqual([written.files[0]]);
  });

  it('re-reads a changed file and updates what it is', async () => {
    const dir = path.join(tmp, 'a');
    const written = await study(dir);
    await importIntoCatalog(catalog, [dir]);
    writeFileSync(written.files[1], 'now a text file');
    const again = await importIntoCatalog(catalog, [dir]);
    expect(again).toMatchObject({ added: 0, updated: 1, unchanged: 2, missing: 0 });
    expect(again.errors).toMatchObject([{ path: written.files[1], code: 'not_dicom' }]);
    expect(catalog.series(written.seriesUid)?.series.instances.map((i) => i.path)).toEqual([written.files[0], written.files[2]]);
    // Back to an image: the rejection is gone.
    copyFileSync(written.files[0], path.join(tmp, 'keep.dcm'));
    rmSync(written.files[1]);
    await study(path.join(tmp, 'b'));
    copyFileSync(path.join(tmp, 'b', 'slice-2.dcm'), written.files[1]);
    const third = await importIntoCatalog(catalog, [dir]);
    expect(third.errors).toEqual([]);
    expect(third.updated).toBe(1);
  });

  it('marks deleted files missing: counted, left out of the series, their keys no longer resolve', async () => {
    const dir = path.join(tmp, 'a');
    const written = await study(dir);
    await importIntoCatalog(catalog, [dir]);
    const goneKey = catalog.series(written.seriesUid)?.series.instances[2].fileKey ?? '';
    rmSync(written.files[2]);
    const again = await importIntoCatalog(catalog, [dir]);
    expect(again).toMatchObject({ fileCount: 2, unchanged: 2, missing: 1 });
    expect(catalog.resolve(goneKey)).toBeUndefined();
    expect(catalog.series(written.seriesUid)).toMatchObject({ missingCount: 1 });
    expect(catalog.series(written.seriesUid)?.series.instances).toHaveLength(2);
    expect(catalog.studies().studies[0]).toMatchObject({ instanceCount: 3, missingCount: 1 });
    // Every file gone: the study stays listed (missing), opening it gives an empty series, not a crash.
    rmSync(dir, { recursive: true });
    const empty = await importIntoCatalog(catalog, [dir]);
    expect(empty.errors).toMatchObject([{ path: dir, code: 'unreadable' }]);
    expect(empty.missing).toBe(2);
    expect(catalog.study(written.studyUid)?.patient.studies[0].series[0].instances).toEqual([]);
    expect(catalog.study(written.studyUid)?.missingBySeries).toEqual({ [written.seriesUid]: 3 });
  });

  it('follows a moved file: the old path is missing, the instance and its key move to the new path', async () => {
    const dir = path.join(tmp, 'a');
    const written = await study(dir);
    await importIntoCatalog(catalog, [dir]);
    const key = catalog.series(written.seriesUid)?.series.instances[0].fileKey ?? '';
    mkdirSync(path.join(dir, 'sub'));
    const moved = path.join(dir, 'sub', 'moved.dcm');
    renameSync(written.files[0], moved);
    const again = await importIntoCatalog(catalog, [dir]);
    expect(again).toMatchObject({ added: 1, unchanged: 2, missing: 1, errors: [] });
    expect(catalog.resolve(key)).toBe(moved);
    expect(catalog.series(written.seriesUid)).toMatchObject({ missingCount: 0 });

    // Moved out to a folder imported on its own: the catalog's copy is gone, so it is no duplicate.
    const elsewhere = path.join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    renameSync(moved, path.join(elsewhere, 'moved.dcm'));
    const other = await importIntoCatalog(catalog, [elsewhere]);
    expect(other).toMatchObject({ added: 1, missing: 1, errors: [] });
    expect(catalog.resolve(key)).toBe(path.join(elsewhere, 'moved.dcm'));
  });

  it('rejects a second file holding the same instance as a duplicate', async () => {
    const written = await study(path.join(tmp, 'a'));
    await importIntoCatalog(catalog, [path.join(tmp, 'a')]);
    mkdirSync(path.join(tmp, 'copy'));
    copyFileSync(written.files[0], path.join(tmp, 'copy', 'same.dcm'));
    const copy = await importIntoCatalog(catalog, [path.join(tmp, 'copy')]);
    expect(copy.errors).toMatchObject([{ code: 'duplicate', reason: expect.stringContaining(written.files[0]) }]);
    expect(catalog.series(written.seriesUid)?.series.instances).toHaveLength(3);
  });

  it('stops when cancelled', async () => {
    await study(path.join(tmp, 'a'));
    const controller = new AbortController();
    controller.abort();
    await expect(importIntoCatalog(catalog, [path.join(tmp, 'a')], { signal: controller.signal })).rejects.toThrow();
    expect(catalog.studies().studies).toEqual([]);
  });
});

describe('the catalog file', () => {
  it('keeps studies, file keys and grants across a reopen', async () => {
    const written = await study(path.join(tmp, 'a'));
    await importIntoCatalog(catalog, [path.join(tmp, 'a')]);
    catalog.grant([path.join(tmp, 'a')], 'cli');
    const key = catalog.series(written.seriesUid)?.series.instances[0].fileKey ?? '';
    catalog.close();
    catalog = Catalog.open(home);
    expect(catalog.studies().studies.map((s) => s.studyKey)).toEqual([written.studyUid]);
    expect(catalog.resolve(key)).toBe(written.files[0]);
    expect(catalog.checkGranted(written.files[0]).ok).toBe(true);
    expect(catalog.grantedRoots()).toEqual([{ path: realpathSync(path.join(tmp, 'a')), how: 'cli' }]);
  });

  it('opens a catalog written at schema version 1 and keeps its rows', () => {
    catalog.close();
    const file = path.join(tmp, 'v1', CATALOG_FILE);
    mkdirSync(path.dirname(file));
    // A file as the first released version left it, written by that migration alone.
    const v1 = openDatabase(file, { migrations: catalogMigrations.slice(0, 1), synchronous: 'NORMAL' });
    v1.prepare(`INSERT INTO granted_roots (path, how, granted_at) VALUES ('/data/old', 'dialog', 1)`).run();
    v1.prepare(`INSERT INTO patients (patient_key, patient_id, patient_name, birth_date, sex) VALUES ('id:P9', 'P9', 'Old^Patient', '', '')`).run();
    v1.prepare(`INSERT INTO studies (study_key, patient_row, study_date, study_time, description, accession_number, imported_at) VALUES ('1.2.3', 1, '20200101', '', 'Old study', '', 5)`).run();
    v1.prepare(`INSERT INTO series (series_key, study_row, series_number, modality, description) VALUES ('1.2.3.4', 1, 1, 'MR', 'Old series')`).run();
    v1.close();
    catalog = Catalog.open(path.dirname(file));
    expect(catalog.db.pragma('user_version', { simple: true })).toBe(catalogMigrations.length);
    expect(catalog.grantedRoots()).toEqual([{ path: '/data/old', how: 'dialog' }]);
    expect(catalog.studies().studies).toMatchObject([{ studyKey: '1.2.3', patientName: 'Old^Patient', modalities: ['MR'], seriesCount: 1 }]);
  });

  it('refuses a catalog from a newer Vesalius with a message naming the file', () => {
    catalog.db.pragma(`user_version = ${catalogMigrations.length + 1}`);
    catalog.close();
    expect(() => Catalog.open(home)).toThrow(/catalog\.db.*newer Vesalius/);
  });
});

describe('path grants', () => {
  it('accepts paths inside a granted root and refuses others, `..` and symbolic-link escapes too', () => {
    const granted = path.join(tmp, 'granted');
    const outside = path.join(tmp, 'outside');
    mkdirSync(path.join(granted, 'inner'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(granted, 'inner', 'mask.nii'), '');
    writeFileSync(path.join(outside, 'secret.nii'), '');
    symlinkSync(outside, path.join(granted, 'link-out'));
    expect(catalog.checkGranted(path.join(granted, 'inner', 'mask.nii'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    catalog.grant([granted], 'path-field');
    expect(catalog.checkGranted(granted).ok).toBe(true);
    expect(catalog.checkGranted(path.join(granted, 'inner', 'mask.nii')).ok).toBe(true);
    expect(catalog.checkGranted(path.join(granted, 'inner', 'not-yet-written.nii')).ok).toBe(true);
    const refused = catalog.checkGranted(path.join(outside, 'secret.nii'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/secret\.nii: not inside a folder you opened or granted/);
    expect(catalog.checkGranted(path.join(granted, 'inner', '..', '..', 'outside', 'secret.nii')).ok).toBe(false);
    expect(catalog.checkGranted(path.join(granted, 'link-out', 'secret.nii')).ok).toBe(false);
    // A sibling whose name starts like the root is not inside it.
    mkdirSync(`${granted}-2`);
    expect(catalog.checkGranted(`${granted}-2`).ok).toBe(false);
  });

  it('a granted file grants that file only', () => {
    const file = path.join(tmp, 'one.nii');
    writeFileSync(file, '');
    writeFileSync(path.join(tmp, 'two.nii'), '');
    catalog.grant([file], 'dialog');
    expect(catalog.checkGranted(file).ok).toBe(true);
    expect(catalog.checkGranted(path.join(tmp, 'two.nii')).ok).toBe(false);
  });
});

describe('catalog.studies search and filters', () => {
  beforeEach(async () => {
    await study(path.join(tmp, 's', 'old'), { patientName: 'Doe^Jane', patientId: 'P1', studyDate: '20190305', modality: 'CT', studyDescription: 'Chest CT', accessionNumber: 'ACC-17' });
    await study(path.join(tmp, 's', 'mid'), { patientName: 'Roe^Richard', patientId: 'P2', studyDate: '20230611', modality: 'MR', studyDescription: 'Brain MRI', seriesDescription: 'T1 sagittal' });
    await study(path.join(tmp, 's', 'new'), { patientName: 'Doe^Jane', patientId: 'P1', studyDate: '20250920', modality: 'CT', studyDescription: 'Abdomen 100%_scan' });
    await importIntoCatalog(catalog, [path.join(tmp, 's')]);
  });
  const descriptions = (query: Parameters<Catalog['studies']>[0]) => catalog.studies(query).studies.map((s) => s.description);

  it('lists the most recent study first, with counts', () => {
    const { studies, total } = catalog.studies();
    expect(total).toBe(3);
    expect(studies.map((s) => s.studyDate)).toEqual(['20250920', '20230611', '20190305']);
    expect(studies[0]).toMatchObject({ patientName: 'Doe^Jane', modalities: ['CT'], seriesCount: 1, instanceCount: 3, missingCount: 0 });
  });

  it('matches every word of the query against patient, description, accession and series description', () => {
    expect(descriptions({ query: 'jane' })).toEqual(['Abdomen 100%_scan', 'Chest CT']);
    expect(descriptions({ query: 'jane chest' })).toEqual(['Chest CT']);
    expect(descriptions({ query: 'P2' })).toEqual(['Brain MRI']);
    expect(descriptions({ query: 'acc-17' })).toEqual(['Chest CT']);
    expect(descriptions({ query: 'sagittal' })).toEqual(['Brain MRI']);
    // LIKE wildcards in the query are plain characters.
    expect(descriptions({ query: '100%_' })).toEqual(['Abdomen 100%_scan']);
    expect(descriptions({ query: '%' })).toEqual(['Abdomen 100%_scan']);
    expect(descriptions({ query: 'nobody' })).toEqual([]);
  });

  it('filters by modality and date range, and limits', () => {
    expect(descriptions({ modality: 'mr' })).toEqual(['Brain MRI']);
    expect(descriptions({ dateFrom: '20200101' })).toEqual(['Abdomen 100%_scan', 'Brain MRI']);
    expect(descriptions({ dateFrom: '20200101', dateTo: '20240101' })).toEqual(['Brain MRI']);
    expect(descriptions({ modality: 'CT', dateTo: '20191231' })).toEqual(['Chest CT']);
    expect(catalog.studies({ limit: 1 })).toMatchObject({ total: 3, studies: [{ description: 'Abdomen 100%_scan' }] });
  });
});
