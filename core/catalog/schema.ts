// The catalog's schema, one migration per version from 1. Never edit a released step: add the next one.
import type { Migration } from '../db/open-database';

export const catalogMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'patients, studies, series, instances, files, rejected files, granted roots',
    up: (db) => {
      db.exec(`
        CREATE TABLE patients (
          id INTEGER PRIMARY KEY,
          -- id:<PatientID>, or name:<PatientName> where the ID is blank (as the study tree groups them)
          patient_key TEXT NOT NULL UNIQUE,
          patient_id TEXT NOT NULL,
          patient_name TEXT NOT NULL,
          birth_date TEXT NOT NULL,
          sex TEXT NOT NULL
        );
        CREATE TABLE studies (
          id INTEGER PRIMARY KEY,
          study_key TEXT NOT NULL UNIQUE,
          patient_row INTEGER NOT NULL REFERENCES patients(id),
          study_date TEXT NOT NULL,
          study_time TEXT NOT NULL,
          description TEXT NOT NULL,
          accession_number TEXT NOT NULL,
          imported_at INTEGER NOT NULL
        );
        CREATE INDEX studies_by_date ON studies(study_date DESC, study_time DESC);
        CREATE INDEX studies_by_patient ON studies(patient_row);
        CREATE TABLE series (
          id INTEGER PRIMARY KEY,
          series_key TEXT NOT NULL UNIQUE,
          study_row INTEGER NOT NULL REFERENCES studies(id),
          series_number REAL,
          modality TEXT NOT NULL,
          description TEXT NOT NULL
        );
        CREATE INDEX series_by_study ON series(study_row);
        CREATE TABLE files (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          size INTEGER NOT NULL,
          mtime_ms REAL NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('present', 'missing')),
          last_seen_ms INTEGER NOT NULL
        );
        CREATE TABLE instances (
          id INTEGER PRIMARY KEY,
          sop_instance_uid TEXT NOT NULL UNIQUE,
          series_row INTEGER NOT NULL REFERENCES series(id),
          file_row INTEGER NOT NULL UNIQUE REFERENCES files(id) ON DELETE CASCADE,
          -- opaque, random, stable: the /dicom/<fileKey> byte routes resolve it, never a path
          file_key TEXT NOT NULL UNIQUE,
          sop_class_uid TEXT NOT NULL,
          instance_number REAL,
          position_x REAL, position_y REAL, position_z REAL,
          -- JSON array of 6 numbers, or NULL
          orientation TEXT,
          slice_location REAL,
          number_of_frames INTEGER NOT NULL,
          rows INTEGER NOT NULL,
          columns INTEGER NOT NULL,
          transfer_syntax_uid TEXT NOT NULL
        );
        CREATE INDEX instances_by_series ON instances(series_row);
        CREATE TABLE rejected_files (
          file_row INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
          code TEXT NOT NULL,
          reason TEXT NOT NULL
        );
        CREATE TABLE granted_roots (
          -- the real path (symbolic links resolved) of a file or folder the user chose
          path TEXT PRIMARY KEY,
          how TEXT NOT NULL CHECK (how IN ('dialog', 'path-field', 'drop', 'cli', 'sample')),
          granted_at INTEGER NOT NULL
        );
      `);
    },
  },
];
