import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Schema } from './schema.ts';

export type Db = Kysely<Schema>;

/** Opens the metadata database named by `url` (sqlite:<file> or postgres://…) and migrates it. */
export async function openDatabase(url: string): Promise<Db> {
  const db = new Kysely<Schema>({ dialect: dialectFor(url) });
  const { error, results } = await new Migrator({ db, provider: migrationProvider(url.startsWith('sqlite:') ? 'sqlite' : 'postgres') }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${String(error)}`);
  }
  return db;
}

function dialectFor(url: string) {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    return new SqliteDialect({
      database: async () => {
        const sqlite = new SqliteDatabase(file);
        // WAL lets the CLI read while the server writes; FULL sync makes a sealed row survive power loss.
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('synchronous = FULL');
        sqlite.pragma('busy_timeout = 10000');
        sqlite.pragma('foreign_keys = ON');
        return sqlite;
      },
    });
  }
  // pg hands 64-bit integers over as strings; liuhen's (byte counts, row counts) fit a double exactly.
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) };
  // A connect that hangs (a server half up) must fail like a refused one, so callers retry.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000, types: types as pg.CustomTypesConfig });
  // An idle client whose server restarted emits 'error' on the pool; unheard, that would end the
  // process. The pool drops the client and the next query connects anew; queries in flight get
  // their own error at their own door.
  pool.on('error', () => undefined);
  return new PostgresDialect({ pool });
}
