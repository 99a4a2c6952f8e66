import { type Kysely, sql } from 'kysely';

/**
 * What the server role may change on PostgreSQL, beyond the SELECT and INSERT that
 * infra/deploy/postgres-roles.sql grants on every table by default. Listed here, next to the
 * migrations, because a migration that adds a table or a column the server updates must add it
 * here in the same change; default privileges cannot name columns of tables not yet made.
 * The ledger (recordings' facts, ledger_entries, …) and the audit are absent on purpose.
 */
const UPDATED_TABLES = [
  'account_grants',
  'attempt_counts',
  'auth_sessions',
  'case_actions',
  'case_stages',
  'cases',
  'device_leases',
  'devices',
  'exports',
  'jobs',
  'live_watches',
  'nodes',
  'outbox',
  'party_request_recordings',
  'party_requests',
  'recording_expiries',
  'recording_retention',
  'recording_shares',
  'redactions',
  'spool_parts',
  'uploads',
  'users',
  'viewing_rooms',
];
/** The columns of a recording the sealer and the live state machine move on; the rest are facts. */
const UPDATED_RECORDING_COLUMNS = [
  'state',
  'ended_at',
  'head_link',
  'entry_count',
  'segment_count',
  'gap_count',
  'duration_ms',
  'pending_gap_cause',
  'interrupted_at',
  'checkpointed_count',
  'manifest_key',
  'confidentiality',
  // the node recording it: moved by a node taking a dead node's device over
  'node_id',
];
/** Expired uploads are forgotten, device leases released and spent attempt counts pruned; nothing else is ever deleted. */
const DELETED_TABLES = ['attempt_counts', 'device_leases', 'uploads'];

/** Grants the server role what it changes; run by the owner after each migration, so new tables are covered. */
export async function grantServerRole(owner: Kysely<unknown>, serverRole: string): Promise<void> {
  const role = sql.id(serverRole);
  await owner.transaction().execute(async (tx) => {
    // Nodes starting together would grant on the same rows at once ("tuple concurrently updated").
    await sql`SELECT pg_advisory_xact_lock(hashtext('liuhen.grants'))`.execute(tx);
    await sql`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO ${role}`.execute(tx);
    await sql`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`.execute(tx);
    for (const table of UPDATED_TABLES) await sql`GRANT UPDATE ON ${sql.table(table)} TO ${role}`.execute(tx);
    await sql`GRANT UPDATE (${sql.join(UPDATED_RECORDING_COLUMNS.map((c) => sql.id(c)))}) ON recordings TO ${role}`.execute(tx);
    for (const table of DELETED_TABLES) await sql`GRANT DELETE ON ${sql.table(table)} TO ${role}`.execute(tx);
  });
}
