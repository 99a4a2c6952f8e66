/**
 * A database connection that dies while it is checked out (inside a transaction, between two of
 * its queries) fails that transaction and nothing else: the process stays up and the next query
 * connects anew. Real PostgreSQL; the connection is ended by the server (pg_terminate_backend).
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';

describe('a PostgreSQL connection lost mid-transaction', () => {
  let db: Db | undefined;
  afterAll(async () => db?.destroy());

  it('fails the transaction at its door and the next query works', async () => {
    const url = await freshPostgresDatabase();
    db = await openDatabase(url);
    const uncaught: unknown[] = [];
    const heard = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', heard);
    try {
      const outcome = await db
        .transaction()
        .execute(async (tx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
          const killer = new pg.Client({ connectionString: url });
          await killer.connect();
          await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          await killer.end();
          // The transaction holds its client while the server ends the connection under it.
          await new Promise((r) => setTimeout(r, 300));
          await sql`SELECT 1`.execute(tx);
        })
        .then(
          () => 'committed',
          (e: Error) => e.message,
        );
      expect(outcome).not.toBe('committed');
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
      expect(rows[0]!.one).toBe(1);
    } finally {
      process.off('uncaughtException', heard);
    }
  });
});
