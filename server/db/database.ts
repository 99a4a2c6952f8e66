import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Driver, Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDialectConfig, SqliteDriver, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Schema } from './schema.ts';
import { grantServerRole } from './server-grants.ts';

export type Db = Kysely<Schema>;

/**
 * Opens the metadata database named by `url` (sqlite:<file> or postgres://…) and migrates it.
 * With `ownerUrl` (PostgreSQL), the owner role migrates and grants the server role (whom `url`
 * logs in as) what it changes: the server itself cannot alter, drop or disable the ledger's triggers.
 */
export async function openDatabase(url: string, ownerUrl?: string): Promise<Db> {
  const db = new Kysely<Schema>({ dialect: dialectFor(url) });
  try {
    if (ownerUrl === undefined) await migrate(db, url);
    else await migrateAsOwner(db, url, ownerUrl);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return db;
}

async function migrateAsOwner(db: Db, url: string, ownerUrl: string): Promise<void> {
  const owner = new Kysely<unknown>({ dialect: dialectFor(ownerUrl) });
  try {
    await migrate(owner, url);
    const { rows } = await sql<{ role: string }>`SELECT current_user AS role`.execute(db);
    await grantServerRole(owner, rows[0]!.role);
  } finally {
    await owner.destroy();
  }
}

async function migrate(db: ConstructorParameters<typeof Migrator>[0]['db'], url: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(url.startsWith('sqlite:') ? 'sqlite' : 'postgres') });
  // Up to date (every CLI command beside a running server): only read. Taking the migration lock
  // is a write, and on SQLite a write racing the server's can fail at once with "database is locked".
  const known = await migrator.getMigrations().catch(() => undefined);
  if (known && known.every((m) => m.executedAt !== undefined)) return;
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${String(error)}`);
  }
}

/**
 * SQLite transactions take the write lock as they begin. A transaction begun with a read cannot
 * take it once another connection has committed since that read (the CLI beside the server, both
 * writing): SQLite answers "database is locked" at once, without the busy timeout's wait, and
 * `liuhen export package` failed so beside a server finishing the export. Begun IMMEDIATE, a
 * transaction waits its turn for the lock instead (busy_timeout below).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/** distinct statement texts kept prepared; liuhen issues a few hundred, `IN (…)` lists of each length included */
const PREPARED_MAX = 1000;

/**
 * Kysely prepares every query anew. SQLite parsing and planning the same few hundred texts over
 * and over was ~4 % of the event loop in the ingest benchmark at N = 30 (README, Performance), on
 * the thread that also parses RTMP. Each text is prepared once and kept (the least recently used
 * dropped past PREPARED_MAX); the one connection runs one statement at a time, so a kept
 * statement is never busy when asked for again, and SQLite re-prepares it itself after a schema change.
 */
export function keepPrepared(sqlite: SqliteDatabase.Database, max = PREPARED_MAX): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, SqliteDatabase.Statement>();
  sqlite.prepare = ((source: string) => {
    const statement = kept.get(source) ?? prepare(source);
    kept.delete(source);
    kept.set(source, statement);
    if (kept.size > max) kept.delete(kept.keys().next().value!);
    return statement;
  }) as typeof sqlite.prepare;
}

function dialectFor(url: string) {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    return new ImmediateSqliteDialect({
      database: async () => {
        const sqlite = new SqliteDatabase(file);
        // WAL lets the CLI read while the server writes; FULL sync makes a sealed row survive power loss.
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('synchronous = FULL');
        sqlite.pragma('busy_timeout = 10000');
        sqlite.pragma('foreign_keys = ON');
        keepPrepared(sqlite);
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
  // The pool listens on a client only while it is idle. A client checked out (inside a
  // transaction, between its queries) whose server goes away emits 'error' with nobody
  // listening, and that too would end the process; its queries still fail at their own door
  // and the pool drops it when it comes back.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new PostgresDialect({ pool });
}
