import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** The database itself refuses to change or remove rows of these tables. */
const APPEND_ONLY_TABLES = ['audit_events'];

async function makeAppendOnly(db: Kysely<unknown>, dialect: Dialect, table: string): Promise<void> {
  if (dialect === 'sqlite') {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql
        .raw(`CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`)
        .execute(db);
    }
    return;
  }
  await sql
    .raw(`CREATE OR REPLACE FUNCTION liuhen_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql`)
    .execute(db);
  await sql.raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION liuhen_append_only()`).execute(db);
}

/** One migration set for SQLite and PostgreSQL: only types both read the same way. */
const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001_spine': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('officer_badge', 'text')
        .addColumn('credential_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('recordings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('officer_badge', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('header_line', 'text', (c) => c.notNull())
        .addColumn('head_link', 'text', (c) => c.notNull())
        .addColumn('entry_count', 'integer', (c) => c.notNull())
        .addColumn('segment_count', 'integer', (c) => c.notNull())
        .addColumn('gap_count', 'integer', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('pending_gap_cause', 'text')
        .addColumn('interrupted_at', 'text')
        .addColumn('checkpointed_count', 'integer', (c) => c.notNull())
        .addColumn('manifest_key', 'text')
        .execute();
      await db.schema.createIndex('recordings_device').on('recordings').columns(['device_id', 'started_at']).execute();
      await db.schema
        .createTable('ledger_entries')
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text')
        .addColumn('object_key', 'text')
        .addColumn('size', 'integer')
        .addColumn('start_at', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('cause', 'text')
        .addColumn('link', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('sealed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_entries_pk', ['recording_id', 'idx'])
        .addUniqueConstraint('ledger_entries_source', ['recording_id', 'source'])
        .execute();
      await db.schema
        .createTable('spool_parts')
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('part_no', 'integer', (c) => c.notNull())
        .addColumn('dir', 'text', (c) => c.notNull())
        .addColumn('wall_start', 'text', (c) => c.notNull())
        .addColumn('ffmpeg_pid', 'integer')
        .addColumn('state', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('spool_parts_pk', ['recording_id', 'part_no'])
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_viewing': {
    async up(db: Kysely<unknown>) {
      // Units own devices and recordings; the default lets spine-era rows keep working.
      await db.schema.alterTable('devices').addColumn('unit', 'text', (c) => c.notNull().defaultTo('default')).execute();
      await db.schema.alterTable('recordings').addColumn('unit', 'text', (c) => c.notNull().defaultTo('default')).execute();
      await db.schema.alterTable('recordings').addColumn('confidentiality', 'text').execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('badge', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('clearances', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('failed_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('auth_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('refresh_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('refresh_expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('recording_shares')
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('shared_by', 'text', (c) => c.notNull())
        .addColumn('shared_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('recording_shares_pk', ['recording_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('playback_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('recording_id', 'text')
        .addColumn('device_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      for (const column of ['session_id', 'object', 'user_agent']) await db.schema.alterTable('audit_events').addColumn(column, 'text').execute();
      await db.schema.alterTable('audit_events').addColumn('bytes', 'integer').execute();
      await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor', 'seq']).execute();
      await db.schema.createIndex('audit_events_subject').on('audit_events').columns(['subject', 'seq']).execute();
      for (const table of APPEND_ONLY_TABLES) await makeAppendOnly(db, dialect, table);
    },
  },
  '0003_devices_offline': {
    async up(db: Kysely<unknown>) {
      // Fixed cameras: where to pull from. Credentials are kept apart from the URL, sealed with a server key.
      await db.schema.alterTable('devices').addColumn('rtsp_url', 'text').execute();
      await db.schema.alterTable('devices').addColumn('rtsp_secret', 'text').execute();
      for (const column of ['last_seen_at', 'health_at', 'health_flags', 'error', 'error_at']) await db.schema.alterTable('devices').addColumn(column, 'text').execute();
      for (const column of ['battery_pct', 'storage_free_mb', 'clock_drift_ms']) await db.schema.alterTable('devices').addColumn(column, 'integer').execute();
      // One active bodycam per officer (004 §16), held by the database as well as the registry.
      await sql
        .raw(`CREATE UNIQUE INDEX devices_one_bodycam_per_officer ON devices (officer_badge) WHERE kind = 'bodycam' AND state = 'active' AND officer_badge IS NOT NULL`)
        .execute(db);
      await db.schema
        .createTable('device_health_reports')
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('device_time', 'text', (c) => c.notNull())
        .addColumn('clock_drift_ms', 'integer', (c) => c.notNull())
        .addColumn('battery_pct', 'integer')
        .addColumn('storage_free_mb', 'integer')
        .addColumn('flags', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('device_health_reports_device').on('device_health_reports').columns(['device_id', 'received_at']).execute();

      await db.schema.alterTable('recordings').addColumn('origin', 'text', (c) => c.notNull().defaultTo('live')).execute();
      // A roll-over recording continues the chain of the one before it (DESIGN.md "Ledger").
      await db.schema.alterTable('recordings').addColumn('chain_from_recording', 'text').execute();
      for (const column of ['chain_segments_before', 'chain_gaps_before']) await db.schema.alterTable('recordings').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('recordings').addColumn('clock_drift_ms', 'integer').execute();
      await db.schema.alterTable('recordings').addColumn('flags', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      for (const column of ['device_started_at', 'received_at', 'upload_deadline', 'late_reason', 'returned_at']) await db.schema.alterTable('recordings').addColumn(column, 'text').execute();
      await db.schema.alterTable('recordings').addColumn('late', 'integer').execute();

      await db.schema.alterTable('ledger_entries').addColumn('marker_by', 'text').execute();
      // Sources name the spool part globally, so a part that spans a roll-over is never sealed twice.
      await db.schema.createIndex('ledger_entries_source_global').on('ledger_entries').column('source').unique().execute();
      // The recording a spool part's segments go to now (it changes at a roll-over).
      await db.schema.alterTable('spool_parts').addColumn('sealing_into', 'text').execute();

      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        // Files of several GiB: 64-bit on PostgreSQL (SQLite integers are 64-bit anyway).
        .addColumn('length', 'bigint', (c) => c.notNull())
        .addColumn('offset', 'bigint', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('recording_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0004_workers': {
    async up(db: Kysely<unknown>) {
      // Jobs leave through this table, written in the sealing transaction: sealing never waits on Redis.
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('enqueued_at', 'text')
        .execute();
      await db.schema.createIndex('outbox_pending').on('outbox').columns(['enqueued_at', 'created_at']).execute();
      // What became of each job, readable while Redis is down (the CLI's progress bar, the UI's job list).
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('progress', 'integer', (c) => c.notNull())
        .addColumn('runs', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('result', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_subject').on('jobs').columns(['subject', 'created_at']).execute();
      // Everything a worker made, with the hash of the original it came from.
      await db.schema
        .createTable('derivatives')
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('source_sha256', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('derivatives_pk', ['recording_id', 'idx', 'kind'])
        .execute();
      await db.schema
        .createTable('exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text')
        .addColumn('approval_no', 'text')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text')
        .addColumn('sha256', 'text')
        .addColumn('size', 'bigint')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
});

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
