import { sql } from 'kysely';
import type { Db } from '../../server/db/database.ts';

/**
 * Drops every trigger on `table`, as the database's owner (or whoever holds the SQLite file) could:
 * for tests of what verification still catches once the append-only triggers are gone.
 */
export async function dropTriggers(db: Db, dialect: 'sqlite' | 'postgres', table: string): Promise<void> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ${table}`.execute(db);
    for (const { name } of rows) await sql`DROP TRIGGER ${sql.id(name)}`.execute(db);
    return;
  }
  const { rows } = await sql<{ name: string }>`SELECT tgname AS name FROM pg_trigger WHERE tgrelid = ${table}::regclass AND NOT tgisinternal`.execute(db);
  for (const { name } of rows) await sql`DROP TRIGGER ${sql.id(name)} ON ${sql.table(table)}`.execute(db);
}
