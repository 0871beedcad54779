// The annotation store's schema, one migration per step; never edit a released step, add the next one.
import type { Migration } from '../db/open-database';

/** v1: segmentations, their versions, content-addressed slice blobs, the append-only audit log. */
const v1: Migration = {
  version: 1,
  description: 'segmentations, versions, slice blobs, audit log',
  up: (db) =>
    db.exec(`
      CREATE TABLE segmentations (
        id TEXT PRIMARY KEY,
        series_key TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('expert', 'annotator', 'model')),
        author TEXT NOT NULL,
        origin_json TEXT NOT NULL,
        -- [x, y, z] voxel size in mm of the grid it was drawn or read on.
        spacing_json TEXT NOT NULL DEFAULT '[1,1,1]',
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      CREATE INDEX segmentations_by_series ON segmentations (series_key, created_at);

      -- Every save is a version; number counts 1, 2, … per segmentation and the head is the highest.
      CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        segmentation_id TEXT NOT NULL REFERENCES segmentations (id),
        number INTEGER NOT NULL,
        parent_number INTEGER,
        created_at INTEGER NOT NULL,
        author TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        segments_json TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        depth INTEGER NOT NULL,
        UNIQUE (segmentation_id, number)
      );

      -- One deflated bit-packed slice, keyed by the SHA-256 of its packed bits: equal slices are stored once.
      CREATE TABLE slice_blobs (
        hash TEXT PRIMARY KEY,
        deflated BLOB NOT NULL,
        voxel_count INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- The non-empty slices of a version (an empty slice has no row).
      CREATE TABLE version_slices (
        version_id INTEGER NOT NULL REFERENCES versions (id),
        segment_number INTEGER NOT NULL,
        z INTEGER NOT NULL,
        hash TEXT NOT NULL REFERENCES slice_blobs (hash),
        PRIMARY KEY (version_id, segment_number, z)
      ) WITHOUT ROWID;

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        series_key TEXT,
        segmentation_id TEXT,
        version_number INTEGER,
        measurement_id TEXT,
        detail_json TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_by_segmentation ON audit_log (segmentation_id, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted'); END;
    `),
};

/** v2: measurements (length today), soft-deleted, geometry in patient mm plus the image drawn on. */
const v2: Migration = {
  version: 2,
  description: 'measurements',
  up: (db) =>
    db.exec(`
      CREATE TABLE measurements (
        id TEXT PRIMARY KEY,
        series_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        geometry_json TEXT NOT NULL,
        image_json TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      CREATE INDEX measurements_by_series ON measurements (series_key, created_at);
    `),
};

/** v3: ground-truth marks, one per series and label set (see README). */
const v3: Migration = {
  version: 3,
  description: 'ground truth marks',
  up: (db) =>
    db.exec(`
      CREATE TABLE ground_truth (
        series_key TEXT NOT NULL,
        label_set TEXT NOT NULL,
        segmentation_id TEXT NOT NULL UNIQUE REFERENCES segmentations (id),
        version_number INTEGER NOT NULL,
        marked_at INTEGER NOT NULL,
        marked_by TEXT NOT NULL,
        PRIMARY KEY (series_key, label_set)
      );
    `),
};

/**
 * v4: reports, one per study; every save is a version (content JSON, state, signature); key-image PNGs
 * stored once by hash; audit rows name the report they are about.
 */
const v4: Migration = {
  version: 4,
  description: 'reports',
  up: (db) =>
    db.exec(`
      CREATE TABLE reports (
        study_key TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE TABLE report_versions (
        study_key TEXT NOT NULL REFERENCES reports (study_key),
        number INTEGER NOT NULL,
        edition INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('draft', 'final', 'amended')),
        saved_at INTEGER NOT NULL,
        saved_by TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        signed_by TEXT,
        signed_at INTEGER,
        content_json TEXT NOT NULL,
        PRIMARY KEY (study_key, number)
      ) WITHOUT ROWID;
      -- A signed version is locked: the store refuses the change, and these triggers refuse any that slips past it.
      CREATE TRIGGER report_versions_no_update BEFORE UPDATE ON report_versions
        BEGIN SELECT RAISE(ABORT, 'report versions are never changed: a change is a new version'); END;
      CREATE TRIGGER report_versions_no_delete BEFORE DELETE ON report_versions
        BEGIN SELECT RAISE(ABORT, 'report versions are never deleted'); END;
      CREATE TABLE report_images (
        hash TEXT PRIMARY KEY,
        png BLOB NOT NULL
      ) WITHOUT ROWID;
      ALTER TABLE audit_log ADD COLUMN report_study_key TEXT;
      CREATE INDEX audit_by_report ON audit_log (report_study_key, id);
    `),
};

export const storeMigrations: readonly Migration[] = [v1, v2, v3, v4];
