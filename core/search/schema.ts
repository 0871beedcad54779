// search.db's schema, one migration per version from 1 (core/search/README.md: why a sibling of catalog.db).
// Never edit a released step: add the next one.
import type { Migration } from '../db/open-database';

export const searchMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'image embeddings per file, frame and model version, with the file stamp they were computed from',
    up: (db) => {
      db.exec(`
        CREATE TABLE embeddings (
          -- the image: the catalog's file path and the 1-based frame embedded
          file_path TEXT NOT NULL,
          frame INTEGER NOT NULL,
          series_key TEXT NOT NULL,
          model_name TEXT NOT NULL,
          model_version TEXT NOT NULL,
          dim INTEGER NOT NULL CHECK (dim > 0),
          -- the file's size and modification time as the catalog knew them when this row was computed:
          -- a row whose stamp differs from the catalog's is stale (the file changed) and is computed again
          file_size INTEGER NOT NULL,
          file_mtime_ms REAL NOT NULL,
          -- dim float32 values, little-endian, unit length; NULL when the image failed
          vector BLOB,
          -- why the image could not be decoded or embedded; NULL when there is a vector
          failure TEXT,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (file_path, frame, model_name, model_version),
          CHECK ((vector IS NULL) <> (failure IS NULL))
        );
        CREATE INDEX embeddings_by_model ON embeddings(model_name, model_version);
      `);
    },
  },
];
