/**
 * One door to the database (issue 14): every query of liuhen is in a repository under server/db.
 * Routes, the CLI, workers and services call repositories; a query builder call anywhere else
 * fails here, naming the file and line.
 */
import { describe, expect, it } from 'vitest';
import { codeFiles, linesMatching } from '../helpers/source-lines.ts';

// A repository's own `transaction(work)` is the door; Kysely's `transaction()` is not.
const QUERY = /\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\.transaction\(\)|\bsql(<[^>]*>)?`/;

describe('the database door', () => {
  it('finds queries only in server/db', () => {
    const files = codeFiles();
    expect(files.length).toBeGreaterThan(100);
    const outside = linesMatching(
      files.filter((f) => !f.startsWith('server/db/')),
      QUERY,
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
