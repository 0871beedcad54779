import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseError, databaseError, openDatabase, type Migration } from './open-database';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vesalius-db-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const v1: Migration = { version: 1, description: 'notes', up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)') };
const v2: Migration = { version: 2, description: 'note authors', up: (db) => db.exec("ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT ''") };

describe('openDatabase', () => {
  it('creates the file in WAL mode and applies migrations once, in order', () => {
    const file = path.join(tempDir(), 'a.db');
    const first = openDatabase(file, { migrations: [v1], synchronous: 'FULL' });
    expect(first.pragma('journal_mode', { simple: true })).toBe('wal');
    first.prepare('INSERT INTO notes (text) VALUES (?)').run('kept');
    first.close();
    const second = openDatabase(file, { migrations: [v1, v2], synchronous: 'FULL' });
    expect(second.pragma('user_version', { simple: true })).toBe(2);
    expect(second.prepare('SELECT text, author FROM notes').all()).toEqual([{ text: 'kept', author: '' }]);
    second.close();
  });

  it('refuses a file from a newer schema, naming the file', () => {
    const file = path.join(tempDir(), 'b.db');
    openDatabase(file, { migrations: [v1, v2], synchronous: 'NORMAL' }).close();
    expect(() => openDatabase(file, { migrations: [v1], synchronous: 'NORMAL' })).toThrow(/b\.db: was written by a newer Vesalius \(schema 2/);
  });

  it('rolls back a failing migration and names it', () => {
    const file = path.join(tempDir(), 'c.db');
    const broken: Migration = { version: 2, description: 'broken step', up: (db) => db.exec('ALTER TABLE nope ADD COLUMN x') };
    openDatabase(file, { migrations: [v1], synchronous: 'NORMAL' }).close();
    expect(() => openDatabase(file, { migrations: [v1, broken], synchronous: 'NORMAL' })).toThrow(/version 2 \(broken step\)/);
    const db = openDatabase(file, { migrations: [v1], synchronous: 'NORMAL' });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('says a non-database file is not one', () => {
    const file = path.join(tempDir(), 'd.db');
    writeFileSync(file, 'this is not sqlite, just text that is long enough to look like a header'.repeat(20));
    expect(() => openDatabase(file, { migrations: [v1], synchronous: 'NORMAL' })).toThrow(DatabaseError);
    expect(() => openDatabase(file, { migrations: [v1], synchronous: 'NORMAL' })).toThrow(/d\.db: .*not a SQLite database/);
  });

  it('maps SQLITE_FULL (an injected page limit) to "the disk is full"', () => {
    const file = path.join(tempDir(), 'e.db');
    const db = openDatabase(file, { migrations: [v1], synchronous: 'FULL' });
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const insert = db.prepare('INSERT INTO notes (text) VALUES (?)');
    let caught: unknown;
    try {
      for (let i = 0; i < 1000; i++) insert.run('x'.repeat(4000));
    } catch (e) {
      caught = e;
    }
    expect(databaseError(file, 'save', caught).message).toMatch(/e\.db: could not save: the disk is full \(SQLITE_FULL\)/);
    db.close();
  });
});
