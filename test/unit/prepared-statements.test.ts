/** SQLite statements are prepared once per text and kept (database.ts), and a kept one stays right after the schema changes. */
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { keepPrepared } from '../../server/db/database.ts';

describe('keepPrepared', () => {
  it('hands out the statement prepared before for the same text, dropping the least recently used past the limit', () => {
    const db = new SqliteDatabase(':memory:');
    keepPrepared(db, 2);
    const one = db.prepare('SELECT 1 AS n');
    expect(db.prepare('SELECT 1 AS n')).toBe(one);
    const two = db.prepare('SELECT 2 AS n');
    db.prepare('SELECT 1 AS n');
    db.prepare('SELECT 3 AS n');
    // 2 was the least recently used of three: prepared anew; 1 is still kept.
    expect(db.prepare('SELECT 1 AS n')).toBe(one);
    expect(db.prepare('SELECT 2 AS n')).not.toBe(two);
    expect(db.prepare('SELECT 2 AS n').get()).toEqual({ n: 2 });
    db.close();
  });

  it('answers a kept statement with the columns of the schema as it is now', () => {
    const db = new SqliteDatabase(':memory:');
    keepPrepared(db);
    db.prepare('CREATE TABLE t (a INTEGER)').run();
    db.prepare('INSERT INTO t (a) VALUES (?)').run(1);
    expect(db.prepare('SELECT * FROM t').all()).toEqual([{ a: 1 }]);
    db.prepare('ALTER TABLE t ADD COLUMN b TEXT').run();
    db.prepare('INSERT INTO t (a, b) VALUES (?, ?)').run(2, 'x');
    expect(db.prepare('SELECT * FROM t').all()).toEqual([
      { a: 1, b: null },
      { a: 2, b: 'x' },
    ]);
    db.close();
  });
});
