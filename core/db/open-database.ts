// Opening a SQLite database of ours: WAL, a busy timeout, foreign keys, versioned migrations, clear errors.
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** One schema step. `version` counts up from 1 without gaps; `up` runs inside the step's transaction. */
export interface Migration {
  version: number;
  description: string;
  up: (db: Db) => void;
}

export interface OpenOptions {
  migrations: readonly Migration[];
  /**
   * FULL: every commit is on disk before it returns (the annotation store: an acknowledged edit
   * survives power loss). NORMAL: survives a crash of the process, may lose the last commits on
   * power loss (the catalog, which can be rebuilt from the files).
   */
  synchronous: 'FULL' | 'NORMAL';
  /** How long a write waits for another process's write lock before failing (ms). */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/** A database failure in words a person can act on, naming the file. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    /** SQLite's code (SQLITE_FULL, SQLITE_READONLY, …) where there was one. */
    readonly sqliteCode: string | null,
  ) {
    super(message);
  }
}

const reasons: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the database or its folder is read-only',
  SQLITE_READONLY_DBMOVED: 'the database file was moved or deleted while open',
  SQLITE_CANTOPEN: 'the file cannot be opened (missing folder or no permission)',
  SQLITE_BUSY: 'another Vesalius process holds it busy; try again',
  SQLITE_LOCKED: 'it is locked by another connection; try again',
  SQLITE_CORRUPT: 'the file is damaged (not a valid database)',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_IOERR: 'the operating system reported a read/write error',
  SQLITE_PERM: 'permission denied',
};

/** Turns whatever SQLite threw into a DatabaseError saying what failed on which file and why. */
export function databaseError(file: string, action: string, e: unknown): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const code = typeof (e as { code?: unknown })?.code === 'string' ? ((e as { code: string }).code) : null;
  const family = code ? (reasons[code] ? code : code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1')) : null;
  const reason = (family && reasons[family]) ?? (e instanceof Error ? e.message : String(e));
  return new DatabaseError(`${file}: could not ${action}: ${reason}${code ? ` (${code})` : ''}`, code);
}

/** Applies every migration newer than the file's `user_version`, one transaction each. */
export function migrate(db: Db, file: string, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`${file}: migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new DatabaseError(
      `${file}: was written by a newer Vesalius (schema ${current}; this version knows up to ${migrations.length}); update the app`,
      null,
    );
  }
  for (const m of migrations.slice(current)) {
    try {
      db.transaction(() => {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } catch (e) {
      throw databaseError(file, `upgrade its schema to version ${m.version} (${m.description})`, e);
    }
  }
}

/** Opens (creating if needed) a database file of ours and brings its schema up to date. */
export function openDatabase(file: string, opts: OpenOptions): Db {
  let db: Db;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (e) {
    throw databaseError(file, 'open the database', e);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous}`);
    }
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) migrate(db, file, opts.migrations);
    return db;
  } catch (e) {
    db.close();
    throw databaseError(file, 'prepare the database', e);
  }
}
