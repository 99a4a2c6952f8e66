/**
 * One door to the database (issue 14): every query of liuhen is in a repository under server/db.
 * Routes, the CLI, workers and services call repositories; a query builder call anywhere else
 * fails here, naming the file and line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
// A repository's own `transaction(work)` is the door; Kysely's `transaction()` is not.
const QUERY = /\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\.transaction\(\)|\bsql(<[^>]*>)?`/;

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

describe('the database door', () => {
  it('finds queries only in server/db', () => {
    const files = [...sources('server'), ...sources('workers')];
    expect(files.length).toBeGreaterThan(100);
    const outside = files
      .filter((f) => !f.startsWith(`server${path.sep}db${path.sep}`))
      .flatMap((f) =>
        fs
          .readFileSync(path.join(ROOT, f), 'utf8')
          .split('\n')
          .flatMap((line, i) => (QUERY.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(outside).toEqual([]);
  });

  it('recognises a query when it sees one', () => {
    expect(QUERY.test("await db.selectFrom('recordings').selectAll()")).toBe(true);
    expect(QUERY.test('await sql`select 1`.execute(db)')).toBe(true);
    expect(QUERY.test('await db.transaction().execute(work)')).toBe(true);
    expect(QUERY.test('await recordings.transaction(async (r) => r.get(id))')).toBe(false);
    expect(QUERY.test('await recordings.get(id)')).toBe(false);
  });
});
