// The store as the services use it: opened on first use, reopened after a failure that a reopen can cure.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseError } from '../db/open-database';
import { AnnotationStore, type AnnotationStoreOptions, type StoreResult } from './annotation-store';

/** SQLite codes after which the connection is closed and the next call opens the file afresh (permissions or space came back). */
const REOPEN_AFTER = /^SQLITE_(READONLY|CANTOPEN|IOERR|PERM)/;

export class StoreHandle {
  private store: AnnotationStore | null = null;

  constructor(
    readonly file: string,
    private readonly opts: AnnotationStoreOptions = {},
  ) {}

  /** Runs `fn` on the open store; opening failures come back as io error values naming the file. */
  use<T>(fn: (store: AnnotationStore) => StoreResult<T>): StoreResult<T> {
    const opened = this.open();
    if (!opened.ok) return opened;
    const result = fn(opened.value);
    if (!result.ok && result.error.kind === 'io' && REOPEN_AFTER.test(result.error.sqliteCode ?? '')) this.close();
    return result;
  }

  close(): void {
    try {
      this.store?.close();
    } catch {
      // Closing a connection whose file became unwritable can fail; the next use opens a new one either way.
    }
    this.store = null;
  }

  private open(): StoreResult<AnnotationStore> {
    if (this.store) return { ok: true, value: this.store };
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.store = AnnotationStore.open(this.file, this.opts);
      return { ok: true, value: this.store };
    } catch (e) {
      if (e instanceof DatabaseError) return { ok: false, error: { kind: 'io', message: e.message, sqliteCode: e.sqliteCode } };
      const code = (e as NodeJS.ErrnoException).code ?? null;
      return { ok: false, error: { kind: 'io', message: `${this.file}: could not open the annotation store: ${code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e)}`, sqliteCode: null } };
    }
  }
}
