import type { Kysely, Migration, MigrationProvider } from 'kysely';

/** One migration set for SQLite and PostgreSQL: only types both read the same way. */
const migrations: Record<string, Migration> = {
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
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
