/**
 * Table shapes as Kysely sees them. Instants are RFC 3339 UTC strings with milliseconds
 * (they sort as text and read the same on SQLite and PostgreSQL).
 */
import type { Insertable, Selectable } from 'kysely';

export type DeviceKind = 'bodycam' | 'fixed';
export type DeviceState = 'active' | 'revoked';
export type RecordingState = 'live' | 'interrupted' | 'closed';
export type GapCause = 'device_disconnect' | 'network' | 'server_restart' | 'device_fault';
export type EntryKind = 'segment' | 'gap';

export interface DevicesTable {
  id: string;
  kind: DeviceKind;
  name: string;
  officer_badge: string | null;
  /** sha256 of the publish credential; the credential itself is shown once and never stored. */
  credential_hash: string;
  state: DeviceState;
  created_at: string;
  revoked_at: string | null;
}

export interface RecordingsTable {
  id: string;
  device_id: string;
  officer_badge: string | null;
  started_at: string;
  ended_at: string | null;
  state: RecordingState;
  header_line: string;
  /** link of the newest entry (the header's link while there is none) */
  head_link: string;
  entry_count: number;
  segment_count: number;
  gap_count: number;
  duration_ms: number;
  /** set while interrupted: the cause the gap will carry if the device comes back in time */
  pending_gap_cause: GapCause | null;
  interrupted_at: string | null;
  checkpointed_count: number;
  manifest_key: string | null;
}

export interface LedgerEntriesTable {
  recording_id: string;
  idx: number;
  kind: EntryKind;
  sha256: string | null;
  object_key: string | null;
  size: number | null;
  start_at: string;
  duration_ms: number;
  cause: GapCause | null;
  link: string;
  /** spool part and file a segment came from; makes re-sealing after a crash idempotent */
  source: string | null;
  sealed_at: string;
}

export interface SpoolPartsTable {
  recording_id: string;
  part_no: number;
  dir: string;
  wall_start: string;
  ffmpeg_pid: number | null;
  state: 'open' | 'done';
}

export interface AuditEventsTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  outcome: 'ok' | 'refused' | 'error';
  address: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export interface Schema {
  devices: DevicesTable;
  recordings: RecordingsTable;
  ledger_entries: LedgerEntriesTable;
  spool_parts: SpoolPartsTable;
  audit_events: AuditEventsTable;
}

export type Device = Selectable<DevicesTable>;
export type Recording = Selectable<RecordingsTable>;
export type LedgerEntry = Selectable<LedgerEntriesTable>;
export type NewLedgerEntry = Insertable<LedgerEntriesTable>;
export type SpoolPart = Selectable<SpoolPartsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
