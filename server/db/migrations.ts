import { randomBytes } from 'node:crypto';
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** The database itself refuses to change or remove rows of these tables. */
const APPEND_ONLY_TABLES = ['audit_events'];
/** Written once by a person and never changed: reasons for gaps, annotations of archived cases. */
const CASE_APPEND_ONLY_TABLES = ['gap_notes', 'case_annotations'];

async function makeAppendOnly(db: Kysely<unknown>, dialect: Dialect, table: string): Promise<void> {
  if (dialect === 'sqlite') {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql.raw(`CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`).execute(db);
    }
    return;
  }
  await sql.raw(`CREATE OR REPLACE FUNCTION liuhen_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql`).execute(db);
  await sql.raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION liuhen_append_only()`).execute(db);
}

/** Sealed once and never changed: the chain itself, an archived case's frozen links, a redaction's hashed segments. */
const LEDGER_APPEND_ONLY_TABLES = ['ledger_entries', 'case_archived_links', 'redacted_segments'];
/**
 * Columns of a recording fixed when it is made: who, when, where its chain starts. The sealer and
 * the live state machine update the rest (state, ended_at, counts, head, checkpoint, manifest, label).
 */
const RECORDING_FACTS = [
  'id',
  'device_id',
  'officer_badge',
  'started_at',
  'header_line',
  'unit',
  'origin',
  'chain_from_recording',
  'chain_segments_before',
  'chain_gaps_before',
  'clock_drift_ms',
  'device_started_at',
  'received_at',
];
/** Sealing only ever adds entries: a count that shrinks or a head that moves without one is a rewrite. */
const RECORDING_GROWING = ['entry_count', 'segment_count', 'gap_count', 'duration_ms'];

/** Facts a recovery recording is made with (0015): which recording's gap its media fill. */
const RECOVERY_FACTS = ['recovers_recording_id', 'recovers_gap_idx'];

/** True (in SQL) when an UPDATE of recordings changes a fact or takes the sealed chain backwards. */
function recordingRewriteCondition(dialect: Dialect, facts: string[]): string {
  const differs = dialect === 'sqlite' ? 'IS NOT' : 'IS DISTINCT FROM';
  return [
    ...facts.map((c) => `NEW.${c} ${differs} OLD.${c}`),
    ...RECORDING_GROWING.map((c) => `NEW.${c} < OLD.${c}`),
    `(NEW.head_link ${differs} OLD.head_link AND NEW.entry_count <= OLD.entry_count)`,
  ].join(' OR ');
}

/** A recording row is never removed, and its facts and sealed head never rewritten. */
async function protectRecordings(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql.raw(`CREATE TRIGGER recordings_no_delete BEFORE DELETE ON recordings BEGIN SELECT RAISE(ABORT, 'recordings is append-only'); END`).execute(db);
  } else {
    await sql.raw(`CREATE TRIGGER recordings_append_only BEFORE DELETE OR TRUNCATE ON recordings FOR EACH STATEMENT EXECUTE FUNCTION liuhen_append_only()`).execute(db);
  }
  await refuseRecordingRewrites(db, dialect, RECORDING_FACTS);
}

/** (Re)makes the check that an UPDATE of recordings leaves `facts` and the sealed head alone. */
async function refuseRecordingRewrites(db: Kysely<unknown>, dialect: Dialect, facts: string[]): Promise<void> {
  const refusal = 'recordings: facts and the sealed head are append-only';
  const condition = recordingRewriteCondition(dialect, facts);
  if (dialect === 'sqlite') {
    await sql.raw(`DROP TRIGGER IF EXISTS recordings_no_rewrite`).execute(db);
    await sql.raw(`CREATE TRIGGER recordings_no_rewrite BEFORE UPDATE ON recordings WHEN ${condition} BEGIN SELECT RAISE(ABORT, '${refusal}'); END`).execute(db);
    return;
  }
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION liuhen_recording_no_rewrite() RETURNS trigger AS $$ BEGIN IF ${condition} THEN RAISE EXCEPTION '${refusal} (%)', OLD.id; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    )
    .execute(db);
  await sql.raw(`DROP TRIGGER IF EXISTS recordings_no_rewrite ON recordings`).execute(db);
  await sql.raw(`CREATE TRIGGER recordings_no_rewrite BEFORE UPDATE ON recordings FOR EACH ROW EXECUTE FUNCTION liuhen_recording_no_rewrite()`).execute(db);
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
      await db.schema
        .alterTable('devices')
        .addColumn('unit', 'text', (c) => c.notNull().defaultTo('default'))
        .execute();
      await db.schema
        .alterTable('recordings')
        .addColumn('unit', 'text', (c) => c.notNull().defaultTo('default'))
        .execute();
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
      await sql.raw(`CREATE UNIQUE INDEX devices_one_bodycam_per_officer ON devices (officer_badge) WHERE kind = 'bodycam' AND state = 'active' AND officer_badge IS NOT NULL`).execute(db);
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

      await db.schema
        .alterTable('recordings')
        .addColumn('origin', 'text', (c) => c.notNull().defaultTo('live'))
        .execute();
      // A roll-over recording continues the chain of the one before it (DESIGN.md "Ledger").
      await db.schema.alterTable('recordings').addColumn('chain_from_recording', 'text').execute();
      for (const column of ['chain_segments_before', 'chain_gaps_before'])
        await db.schema
          .alterTable('recordings')
          .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      await db.schema.alterTable('recordings').addColumn('clock_drift_ms', 'integer').execute();
      await db.schema
        .alterTable('recordings')
        .addColumn('flags', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
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
  '0005_cases': {
    async up(db: Kysely<unknown>) {
      // 案卷: one enforcement matter through its five stages (000 §3, 001 §3).
      await db.schema
        .createTable('cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_no', 'text', (c) => c.notNull().unique())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('emergency', 'integer', (c) => c.notNull())
        .addColumn('initiated_at', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('archived_at', 'text')
        .addColumn('archived_by', 'text')
        .addColumn('manifest_key', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('cases_unit').on('cases').columns(['unit', 'initiated_at']).execute();
      await db.schema
        .createTable('case_stages')
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addPrimaryKeyConstraint('case_stages_pk', ['case_id', 'stage'])
        .execute();
      // Officers on the case and reviewers assigned to it, by badge: reviewers see its recordings.
      await db.schema
        .createTable('case_members')
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
        .addColumn('badge', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('added_by', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_members_pk', ['case_id', 'badge'])
        .execute();
      await db.schema.createIndex('case_members_badge').on('case_members').columns(['badge', 'case_id']).execute();
      await db.schema
        .createTable('case_actions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('place', 'text')
        .addColumn('officer_badge', 'text')
        .addColumn('not_recorded_reason', 'text')
        .addColumn('not_recorded_text', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('case_actions_case').on('case_actions').columns(['case_id', 'at']).execute();
      // A whole recording, or a device and a time window (which also finds recordings uploaded later).
      await db.schema
        .createTable('action_links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('action_id', 'text', (c) => c.notNull().references('case_actions.id'))
        .addColumn('recording_id', 'text', (c) => c.references('recordings.id'))
        .addColumn('device_id', 'text', (c) => c.references('devices.id'))
        .addColumn('from_at', 'text')
        .addColumn('to_at', 'text')
        .addColumn('linked_by', 'text', (c) => c.notNull())
        .addColumn('linked_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('action_links_action').on('action_links').column('action_id').execute();
      await db.schema.createIndex('action_links_recording').on('action_links').column('recording_id').execute();
      await db.schema
        .createTable('gap_notes')
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('noted_by', 'text', (c) => c.notNull())
        .addColumn('noted_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('gap_notes_pk', ['recording_id', 'idx'])
        .execute();
      // At archiving, the recordings each action then linked: a frozen case gains none later (a
      // device window would otherwise pick up an upload that arrives after the manifest was signed).
      await db.schema
        .createTable('case_archived_links')
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
        .addColumn('action_id', 'text', (c) => c.notNull().references('case_actions.id'))
        .addColumn('link_id', 'text', (c) => c.notNull().references('action_links.id'))
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addPrimaryKeyConstraint('case_archived_links_pk', ['case_id', 'link_id', 'recording_id'])
        .execute();
      await db.schema.createIndex('case_archived_links_recording').on('case_archived_links').column('recording_id').execute();
      await db.schema
        .createTable('case_annotations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();

      // Redactions: what a reviewer marked, and the worker's per-segment product.
      await db.schema
        .createTable('redactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('marks', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('manifest_key', 'text')
        .addColumn('error', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('redactions_recording').on('redactions').columns(['recording_id', 'created_at']).execute();
      await db.schema
        .createTable('redacted_segments')
        .addColumn('redaction_id', 'text', (c) => c.notNull().references('redactions.id'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('variant', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('source_sha256', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('redacted_segments_pk', ['redaction_id', 'idx', 'variant'])
        .execute();

      // 查阅、复制申请 and the supervised viewing room (000 §21, 001 §36).
      await db.schema
        .createTable('party_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.references('cases.id'))
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('party_user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('decision_note', 'text')
        .addColumn('window_from', 'text')
        .addColumn('window_until', 'text')
        .addColumn('max_viewings', 'integer')
        .addColumn('copy_allowed', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('party_requests_party').on('party_requests').columns(['party_user_id', 'created_at']).execute();
      await db.schema
        .createTable('party_request_recordings')
        .addColumn('request_id', 'text', (c) => c.notNull().references('party_requests.id'))
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('approved', 'integer')
        .addColumn('redaction_id', 'text', (c) => c.references('redactions.id'))
        // the label when the head decided: a label set or changed later voids the approval
        .addColumn('confidentiality_at_decision', 'text')
        .addPrimaryKeyConstraint('party_request_recordings_pk', ['request_id', 'recording_id'])
        .execute();
      await db.schema
        .createTable('viewing_rooms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('request_id', 'text', (c) => c.notNull().references('party_requests.id'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('supervisor_id', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('end_reason', 'text')
        .execute();
      await db.schema.createIndex('viewing_rooms_request').on('viewing_rooms').columns(['request_id', 'created_at']).execute();
      // One active room per request, held by the database: two rooms at once would each count as one viewing.
      await sql.raw(`CREATE UNIQUE INDEX viewing_rooms_one_active ON viewing_rooms (request_id) WHERE state IN ('waiting', 'open', 'paused')`).execute(db);
      // A party's playback session belongs to a room and may serve a redacted derivative.
      await db.schema.alterTable('playback_sessions').addColumn('room_id', 'text').execute();
      await db.schema.alterTable('playback_sessions').addColumn('redaction_id', 'text').execute();
      // A party copy of a labelled recording is made from a redaction.
      await db.schema.alterTable('exports').addColumn('redaction_id', 'text').execute();
      await db.schema.alterTable('exports').addColumn('request_id', 'text').execute();
      for (const table of CASE_APPEND_ONLY_TABLES) await makeAppendOnly(db, dialect, table);
    },
  },
  '0006_installation': {
    async up(db: Kysely<unknown>) {
      // Who this installation is, wherever its nodes run: they share the database, not a data dir.
      // Several installations may share one Redis; their job queues are told apart by this id
      // (server/queue/queue-prefix.ts). Made here, under the migration lock, so concurrent first
      // starts of two nodes still agree on one id.
      await db.schema
        .createTable('installation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await sql`INSERT INTO installation (id, created_at) VALUES (${randomBytes(16).toString('hex')}, ${new Date().toISOString()})`.execute(db);
    },
  },
  '0007_append_only_ledger': {
    async up(db: Kysely<unknown>) {
      for (const table of LEDGER_APPEND_ONLY_TABLES) await makeAppendOnly(db, dialect, table);
      await protectRecordings(db, dialect);
    },
  },
  '0008_share_periods': {
    async up(db: Kysely<unknown>) {
      // A custodian shares a recording with a reviewer for a period; shares made before had none.
      await db.schema.alterTable('recording_shares').addColumn('expires_at', 'text').execute();
    },
  },
  '0009_accounts': {
    async up(db: Kysely<unknown>) {
      // Accounts made before keep the password they have: it was not one an administrator was shown.
      await db.schema
        .alterTable('users')
        .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('users').addColumn('last_sign_in_at', 'text').execute();
      await db.schema.alterTable('auth_sessions').addColumn('last_active_at', 'text').execute();
      await db.schema
        .createTable('password_history')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('set_at', 'text', (c) => c.notNull())
        .addColumn('set_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('password_history_user').on('password_history').columns(['user_id', 'set_at']).execute();
      // A password once set stays on record, so "not one of the last five" cannot be undone.
      await makeAppendOnly(db, dialect, 'password_history');
      await db.schema
        .createTable('account_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('clearances', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('proposed_by', 'text', (c) => c.notNull())
        .addColumn('proposed_at', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('reason', 'text')
        .execute();
      await db.schema.createIndex('account_grants_state').on('account_grants').columns(['state', 'proposed_at']).execute();
    },
  },
  '0010_retention': {
    async up(db: Kysely<unknown>) {
      // A recording's retention as the store's locks follow it: absent, it is `unlinked` and its
      // objects keep the lock they were written with. Its lock date only ever moves later.
      await db.schema
        .createTable('recording_retention')
        .addColumn('recording_id', 'text', (c) => c.primaryKey().references('recordings.id'))
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('retain_until', 'text')
        .addColumn('extended_at', 'text')
        .addColumn('hold_reason', 'text')
        .addColumn('hold_by', 'text')
        .addColumn('hold_at', 'text')
        .execute();
      // One row per expired recording; its objects' hashes stay in ledger_entries.
      await db.schema
        .createTable('recording_expiries')
        .addColumn('recording_id', 'text', (c) => c.primaryKey().references('recordings.id'))
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('period_ended_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('record_key', 'text', (c) => c.notNull())
        .addColumn('objects', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await protectExpiries(db, dialect);
    },
  },
  '0011_sealed_at_index': {
    async up(db: Kysely<unknown>) {
      // Storage growth per day (retention report) sums the ledger by when it was sealed.
      await db.schema.createIndex('ledger_entries_sealed_at').on('ledger_entries').column('sealed_at').execute();
    },
  },
  '0012_key_fingerprints': {
    async up(db: Kysely<unknown>) {
      // Nodes share the database but each reads its keys from its own disk: the first node's keys
      // are written here, and a node with others refuses to start (server/crypto/installation-keys.ts).
      await db.schema
        .createTable('key_fingerprints')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('key_fingerprints_pk', ['kind', 'generation'])
        .execute();
      await makeAppendOnly(db, dialect, 'key_fingerprints');
    },
  },
  '0013_nodes': {
    async up(db: Kysely<unknown>) {
      // One row per start of a node (server/cluster/node-presence.ts); live while its heartbeat is younger than the lease.
      await db.schema
        .createTable('nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('heartbeat_at', 'text', (c) => c.notNull())
        .addColumn('stopped_at', 'text')
        .execute();
      await db.schema.createIndex('nodes_heartbeat_at').on('nodes').column('heartbeat_at').execute();
    },
  },
  '0014_device_leases': {
    async up(db: Kysely<unknown>) {
      // Which node records a live device (server/cluster/device-leases.ts): held while renewed_at is
      // younger than the node lease; a row is taken over, never kept, once it is older.
      await db.schema
        .createTable('device_leases')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .addColumn('renewed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('device_leases_node_id').on('device_leases').column('node_id').execute();
    },
  },
  '0015_node_failover': {
    async up(db: Kysely<unknown>) {
      // A node taking a dead node's device over continues its recording (node_id moves to it); the
      // dead node's spool, read on its own machine when it returns, is sealed into a recovery
      // recording linked to the failover gap (server/ingest/spool-recovery.ts).
      await db.schema.alterTable('spool_parts').addColumn('host', 'text').execute();
      await db.schema.alterTable('spool_parts').addColumn('node_id', 'text').execute();
      await db.schema.alterTable('recordings').addColumn('node_id', 'text').execute();
      await db.schema.alterTable('recordings').addColumn('recovers_recording_id', 'text').execute();
      await db.schema.alterTable('recordings').addColumn('recovers_gap_idx', 'integer').execute();
      await db.schema.createIndex('recordings_recovers').on('recordings').column('recovers_recording_id').execute();
      await refuseRecordingRewrites(db, dialect, [...RECORDING_FACTS, ...RECOVERY_FACTS]);
    },
  },
  '0016_attempt_counts': {
    async up(db: Kysely<unknown>) {
      // Sign-in and device-credential limits, shared by every node (server/db/attempt-repository.ts).
      await db.schema
        .createTable('attempt_counts')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('fresh_until', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addPrimaryKeyConstraint('attempt_counts_pk', ['scope', 'key'])
        .execute();
      await db.schema.createIndex('attempt_counts_fresh_until').on('attempt_counts').column('fresh_until').execute();
    },
  },
  '0017_live_watches': {
    async up(db: Kysely<unknown>) {
      // Which devices someone watches live, as every node sees it: the node serving the viewer is
      // not the one sealing or deriving (server/playback/live-watch.ts).
      await db.schema
        .createTable('live_watches')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('watched_until', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0018_device_cutter': {
    async up(db: Kysely<unknown>) {
      // A device's own choice of what cuts its RTMP stream, over the server's LIUHEN_CUTTER (null: the server's).
      await db.schema.alterTable('devices').addColumn('cutter', 'text').execute();
    },
  },
});

/**
 * An expiry is never removed or rewritten: its row is written when it starts and changes once,
 * when its last object is gone (completed_at, from null).
 */
async function protectExpiries(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const differs = dialect === 'sqlite' ? 'IS NOT' : 'IS DISTINCT FROM';
  const fixed = ['recording_id', 'rule', 'period_ended_at', 'started_at', 'record_key', 'objects', 'bytes'];
  const rewrite = [...fixed.map((c) => `NEW.${c} ${differs} OLD.${c}`), 'OLD.completed_at IS NOT NULL'].join(' OR ');
  const refusal = 'recording_expiries is append-only';
  if (dialect === 'sqlite') {
    await sql.raw(`CREATE TRIGGER recording_expiries_no_delete BEFORE DELETE ON recording_expiries BEGIN SELECT RAISE(ABORT, '${refusal}'); END`).execute(db);
    await sql.raw(`CREATE TRIGGER recording_expiries_no_rewrite BEFORE UPDATE ON recording_expiries WHEN ${rewrite} BEGIN SELECT RAISE(ABORT, '${refusal}'); END`).execute(db);
    return;
  }
  await sql.raw(`CREATE TRIGGER recording_expiries_append_only BEFORE DELETE OR TRUNCATE ON recording_expiries FOR EACH STATEMENT EXECUTE FUNCTION liuhen_append_only()`).execute(db);
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION liuhen_expiry_no_rewrite() RETURNS trigger AS $$ BEGIN IF ${rewrite} THEN RAISE EXCEPTION '${refusal} (%)', OLD.recording_id; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    )
    .execute(db);
  await sql.raw(`CREATE TRIGGER recording_expiries_no_rewrite BEFORE UPDATE ON recording_expiries FOR EACH ROW EXECUTE FUNCTION liuhen_expiry_no_rewrite()`).execute(db);
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
