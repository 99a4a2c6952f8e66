/**
 * Table shapes as Kysely sees them. Instants are RFC 3339 UTC strings with milliseconds
 * (they sort as text and read the same on SQLite and PostgreSQL).
 */
import type { Generated, Selectable } from 'kysely';

export type DeviceKind = 'bodycam' | 'fixed';
export type DeviceState = 'active' | 'revoked';
export type RecordingState = 'live' | 'interrupted' | 'closed';
/**
 * Why a recording has a gap. The last three are the server's own faults, recorded so that an
 * interruption for a technical reason shows (001 §12): the disk ran out, the evidence store or
 * the database did not answer, or the segmenter failed.
 */
export type GapCause = 'device_disconnect' | 'network' | 'server_restart' | 'device_fault' | 'disk_full' | 'store_unavailable' | 'segmenter_failed' | 'node_failover' | 'node_handover';
export type EntryKind = 'segment' | 'gap' | 'notice';
export type RecordingOrigin = 'live' | 'upload';
/** What a health report or a recording is flagged for; shown to custodians and in reports. */
export type HealthFlag = 'clock_drift' | 'low_battery' | 'low_storage';
/** An upload whose full decode reported errors: sealed as received, with how many. */
export interface DecodeErrorsFlag {
  kind: 'decode_errors';
  count: number;
}
/**
 * `audio_only`: a sound recording (录音) without pictures; `photo`: a photograph (照相), one object
 * sealed as received. Both are shown unmarked (playback-service.ts).
 */
export type RecordingFlag = 'clock_drift' | 'late_upload' | 'audio_only' | 'photo' | DecodeErrorsFlag;

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
  unit: string;
  /** fixed cameras: the RTSP URL without credentials */
  rtsp_url: string | null;
  /** fixed cameras: "user:password", encrypted with a server key (crypto/sealed-text.ts) */
  rtsp_secret: string | null;
  last_seen_at: string | null;
  /** the newest health report */
  health_at: string | null;
  battery_pct: number | null;
  storage_free_mb: number | null;
  /** device clock minus server clock, ms, at the newest report */
  clock_drift_ms: number | null;
  /** JSON array of HealthFlag */
  health_flags: string | null;
  /** why the server cannot record the device now (fixed cameras: e.g. rtsp_auth_failed) */
  error: string | null;
  error_at: string | null;
  /** what cuts its RTMP stream, over the server's LIUHEN_CUTTER; null: the server's */
  cutter: 'in-process' | 'ffmpeg' | null;
}

export interface DeviceHealthReportsTable {
  device_id: string;
  received_at: string;
  device_time: string;
  clock_drift_ms: number;
  battery_pct: number | null;
  storage_free_mb: number | null;
  /** JSON array of HealthFlag */
  flags: string;
}

export interface UploadsTable {
  id: string;
  device_id: string;
  length: number;
  offset: number;
  /** JSON of the upload's declared facts (uploads/upload-metadata.ts) */
  metadata: string;
  state: 'receiving' | 'processing' | 'sealed' | 'refused';
  error: string | null;
  recording_id: string | null;
  created_at: string;
  updated_at: string;
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
  unit: string;
  confidentiality: Confidentiality | null;
  origin: RecordingOrigin;
  /** the recording this one's chain continues (a roll-over), whose last link is in the header */
  chain_from_recording: string | null;
  /** segments and gaps of the chain before this recording: live playlists keep counting across roll-overs */
  chain_segments_before: number;
  chain_gaps_before: number;
  /** the device's clock drift (device − server, ms) when the recording started, if known */
  clock_drift_ms: number | null;
  /** JSON array of RecordingFlag */
  flags: string;
  /** uploads: the start time by the device's clock, kept beside the server's estimate */
  device_started_at: string | null;
  /** uploads: when the whole file had arrived */
  received_at: string | null;
  /** uploads: end + 24 h, or return from remote work + 24 h (000 §19, 003 §23) */
  upload_deadline: string | null;
  late: number | null;
  late_reason: string | null;
  returned_at: string | null;
  /** live: the node recording it now (a node taking the device over from a dead one moves it); null before nodes */
  node_id: string | null;
  /** a recovery recording: the recording whose `node_failover` gap its media fill, and that gap's index (null when not yet sealed) */
  recovers_recording_id: string | null;
  recovers_gap_idx: number | null;
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
  /** a gap's cause; on a segment, what cut it short (a partial segment its segmenter died writing), else null */
  cause: GapCause | null;
  link: string;
  /** "<origin>/<part>/<file>": the spool file a segment came from, unique across recordings;
   *  makes re-sealing after a crash idempotent */
  source: string | null;
  /** notice markers: who said the party was told ("device" or "user:<id>") */
  marker_by: string | null;
  sealed_at: string;
}

export interface SpoolPartsTable {
  recording_id: string;
  part_no: number;
  dir: string;
  wall_start: string;
  ffmpeg_pid: number | null;
  state: 'open' | 'done';
  /** the recording receiving this part's segments, when a roll-over moved it on from recording_id */
  sealing_into: string | null;
  /** the machine and node whose segmenter writes it: only that machine can read `dir` (null before nodes) */
  host: string | null;
  node_id: string | null;
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
  session_id: string | null;
  object: string | null;
  bytes: number | null;
  user_agent: string | null;
  prev_hash: string;
  hash: string;
}

/** `security_officer` (安全管理员) approves grants of media and clearances, sees no media and creates no accounts (三员分立). */
export type Role = 'commander' | 'reviewer' | 'custodian' | 'auditor' | 'admin' | 'party' | 'agency_head' | 'legal' | 'security_officer';
export const ROLES: readonly Role[] = ['commander', 'reviewer', 'custodian', 'auditor', 'admin', 'party', 'agency_head', 'legal', 'security_officer'];
export type Confidentiality = 'state_secret' | 'trade_secret' | 'privacy';
export const CONFIDENTIALITY_LABELS: readonly Confidentiality[] = ['state_secret', 'trade_secret', 'privacy'];

export interface UsersTable {
  id: string;
  badge: string;
  name: string;
  role: Role;
  unit: string;
  /** JSON array of Confidentiality labels this user is cleared for */
  clearances: string;
  password_hash: string;
  failed_attempts: number;
  locked_until: string | null;
  state: AccountState;
  created_at: string;
  /** 1 while the password is one an administrator was shown: it must be changed before anything else */
  must_change_password: Generated<number>;
  last_sign_in_at: string | null;
}

/** `awaiting_approval`: created with a grant a security officer has not approved yet; cannot sign in. */
export type AccountState = 'active' | 'disabled' | 'awaiting_approval';

/** Every password an account had, newest last: none of the last five may be set again. Never changed. */
export interface PasswordHistoryTable {
  user_id: string;
  password_hash: string;
  set_at: string;
  /** who set it: the user themselves, or the administrator who reset it (`user:<id>`, `cli:<name>`) */
  set_by: string;
}

/** `reset`: a new one-time password for an account that sees media or oversees the admin (the approver hands it over). */
export type GrantKind = 'create' | 'change' | 'enable' | 'reset';
export type GrantState = 'proposed' | 'approved' | 'rejected';

/** A proposal of role and clearances for an account: made by an administrator, decided by a security officer. */
export interface AccountGrantsTable {
  id: string;
  user_id: string;
  kind: GrantKind;
  role: Role;
  /** JSON array of Confidentiality */
  clearances: string;
  state: GrantState;
  /** `user:<id>`, or `cli:<name>` for the operator's command line */
  proposed_by: string;
  proposed_at: string;
  decided_by: string | null;
  decided_at: string | null;
  /** a rejection's reason */
  reason: string | null;
}

/** A signed-in user's session: the refresh token (hashed) and, by id, every access token issued on it. */
export interface AuthSessionsTable {
  id: string;
  user_id: string;
  refresh_hash: string;
  created_at: string;
  refresh_expires_at: string;
  revoked_at: string | null;
  /** the last request authenticated with one of its access tokens (null: its creation); idle too long, it ends */
  last_active_at: string | null;
}

export interface RecordingSharesTable {
  recording_id: string;
  user_id: string;
  shared_by: string;
  shared_at: string;
  /** the share ends then; null: shared for good (shares made before periods) */
  expires_at: string | null;
}

export interface PlaybackSessionsTable {
  id: string;
  user_id: string;
  kind: 'live' | 'replay';
  recording_id: string | null;
  device_id: string | null;
  created_at: string;
  expires_at: string;
  /** a party's session: the supervised viewing room it plays in */
  room_id: string | null;
  /** serves this redaction's segments instead of the originals */
  redaction_id: string | null;
}

/** What a worker does; the payload of each is in server/queue/job-kinds.ts. */
export type JobKind = 'segment.live' | 'segment.derive' | 'recording.derive' | 'export.party_copy' | 'export.package' | 'recording.redact';
export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export interface OutboxTable {
  id: string;
  kind: JobKind;
  /** JSON */
  payload: string;
  /** BullMQ priority: 1 is first; live wall renditions go before replay variants */
  priority: number;
  created_at: string;
  enqueued_at: string | null;
}

export interface JobsTable {
  id: string;
  kind: JobKind;
  /** the recording (or export) it works for */
  subject: string | null;
  state: JobState;
  /** 0–100 */
  progress: number;
  /** how many times a worker started it (a retry after a failure adds one) */
  runs: number;
  error: string | null;
  /** JSON */
  result: string | null;
  created_at: string;
  updated_at: string;
}

/** A worker's product: never evidence itself, always naming the original it came from. */
export type DerivativeKind = 'r360' | 'mark_a' | 'mark_b' | 'thumb' | 'sprite' | 'sprite_vtt' | 'party_copy' | 'package';

export interface DerivativesTable {
  recording_id: string;
  /** the segment's ledger index; 0 for what covers the whole recording */
  idx: number;
  kind: DerivativeKind;
  object_key: string;
  sha256: string;
  size: number;
  /** sha256 of the original segment; for whole-recording products, the recording's final link */
  source_sha256: string;
  duration_ms: number | null;
  job_id: string;
  created_at: string;
}

export interface ExportsTable {
  id: string;
  kind: 'party_copy' | 'package';
  recording_id: string;
  requested_by: string;
  recipient: string | null;
  approval_no: string | null;
  /** a party copy made from a redaction (a labelled recording is only ever given out redacted) */
  redaction_id: string | null;
  /** the party request whose approval allowed this copy */
  request_id: string | null;
  job_id: string;
  object_key: string | null;
  sha256: string | null;
  size: number | null;
  created_at: string;
}

export type Stage = 'initiation' | 'investigation' | 'decision' | 'service' | 'archive';
export const STAGES: readonly Stage[] = ['initiation', 'investigation', 'decision', 'service', 'archive'];
/** GLOSSARY: the actions the seeds name; `application_acceptance` is the hall's 受理 (001 §5). */
export type ActionKind =
  'inspection' | 'sampling' | 'hearing' | 'seizure' | 'service_by_leaving' | 'service_by_notice' | 'restoration' | 'summary_procedure' | 'inquiry' | 'application_acceptance' | 'other';
/** 004 §13's list, plus free text under `other` */
export type NotRecordedReason = 'explosive_area' | 'state_secret' | 'trade_secret' | 'privacy' | 'other';

export interface CasesTable {
  id: string;
  case_no: string;
  unit: string;
  title: string;
  /** started in an emergency, approval sought afterwards (000 §6, 001 §6) */
  emergency: number;
  initiated_at: string;
  approved_at: string | null;
  /** the act's end: the archive deadline runs 30 days from here */
  ended_at: string | null;
  archived_at: string | null;
  archived_by: string | null;
  /** the signed case manifest in the evidence store */
  manifest_key: string | null;
  created_by: string;
  created_at: string;
}

export interface CaseStagesTable {
  case_id: string;
  stage: Stage;
  started_at: string;
  ended_at: string | null;
}

export interface CaseMembersTable {
  case_id: string;
  badge: string;
  role: 'officer' | 'reviewer';
  added_by: string;
  added_at: string;
}

export interface CaseActionsTable {
  id: string;
  case_id: string;
  kind: ActionKind;
  stage: Stage;
  at: string;
  ended_at: string | null;
  place: string | null;
  officer_badge: string | null;
  not_recorded_reason: NotRecordedReason | null;
  not_recorded_text: string | null;
  created_by: string;
  created_at: string;
}

export interface ActionLinksTable {
  id: string;
  action_id: string;
  /** a whole recording … */
  recording_id: string | null;
  /** … or a device's recordings overlapping [from_at, to_at) */
  device_id: string | null;
  from_at: string | null;
  to_at: string | null;
  linked_by: string;
  linked_at: string;
}

/** A person's reason for a gap (断续录制 must carry a cause); written once, never changed. */
export interface GapNotesTable {
  recording_id: string;
  /** the gap's ledger index */
  idx: number;
  reason: string;
  noted_by: string;
  noted_at: string;
}

/** The recordings an archived case's links resolved to when it was archived: its links from then on. */
export interface CaseArchivedLinksTable {
  case_id: string;
  action_id: string;
  link_id: string;
  recording_id: string;
}

/** What an archived case may still gain (append-only, each audited). */
export interface CaseAnnotationsTable {
  id: string;
  case_id: string;
  text: string;
  by: string;
  at: string;
}

export type RedactionState = 'pending' | 'ready' | 'failed';

export interface RedactionsTable {
  id: string;
  recording_id: string;
  /** JSON of server/redaction/redaction-marks.ts RedactionMarks */
  marks: string;
  state: RedactionState;
  job_id: string;
  /** the redaction manifest: the original's hashes and the marks */
  manifest_key: string | null;
  error: string | null;
  created_by: string;
  created_at: string;
}

/** `plain` for copies and comparison; `mark_a` / `mark_b` for a party's forensic-marked playback. */
export type RedactedVariant = 'plain' | 'mark_a' | 'mark_b';

export interface RedactedSegmentsTable {
  redaction_id: string;
  idx: number;
  variant: RedactedVariant;
  object_key: string;
  sha256: string;
  size: number;
  source_sha256: string;
  duration_ms: number;
  created_at: string;
}

export type PartyRequestState = 'pending' | 'approved' | 'refused';

export interface PartyRequestsTable {
  id: string;
  case_id: string | null;
  unit: string;
  party_user_id: string;
  /** the party themselves, or staff on their behalf ("user:<id>") */
  requested_by: string;
  kind: 'view' | 'copy';
  reason: string;
  state: PartyRequestState;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
  window_from: string | null;
  window_until: string | null;
  max_viewings: number | null;
  copy_allowed: number | null;
  created_at: string;
}

export interface PartyRequestRecordingsTable {
  request_id: string;
  recording_id: string;
  /** set by the decision: 1 in scope, 0 left out */
  approved: number | null;
  /** a labelled recording is approved only as this redaction */
  redaction_id: string | null;
  /** the recording's label when the head decided; a different label now voids the approval */
  confidentiality_at_decision: Confidentiality | null;
}

export type RoomState = 'waiting' | 'open' | 'paused' | 'ended';

export interface ViewingRoomsTable {
  id: string;
  request_id: string;
  state: RoomState;
  /** the custodian who joined; the room opens only then */
  supervisor_id: string | null;
  created_by: string;
  created_at: string;
  opened_at: string | null;
  ended_at: string | null;
  end_reason: 'supervisor' | 'expired' | null;
}

/** One row: this installation's identity, made by its first migration run (0006). */
export interface InstallationTable {
  /** 32 random hex digits */
  id: string;
  created_at: string;
}

/** The keys every node must share (server/crypto/installation-keys.ts). */
export type KeyKind = 'server_secret' | 'signing_key';

/**
 * Append-only: the SHA-256 fingerprint of each key, as the first node found it, and of each
 * signing key rotated in since; the highest generation of a kind is the one in force.
 */
export interface KeyFingerprintsTable {
  kind: KeyKind;
  generation: number;
  sha256: string;
  recorded_at: string;
}

/** Retention categories (server/retention/retention-rules.ts); a legal hold is on top of either. */
export type RetentionCategory = 'unlinked' | 'case';

/** A recording's retention once it differs from what its objects were written with: a case's lock, a legal hold. */
export interface RecordingRetentionTable {
  recording_id: string;
  category: RetentionCategory;
  /** the lock date its objects were extended to, only ever later; null: the lock they were written with */
  retain_until: string | null;
  /** when its objects were last extended */
  extended_at: string | null;
  /** a legal hold is on while hold_at is set */
  hold_reason: string | null;
  hold_by: string | null;
  hold_at: string | null;
}

/** An expired recording: written when its expiry starts, completed once its last object is gone. */
export interface RecordingExpiriesTable {
  recording_id: string;
  /** the category whose period ended: `unlinked` */
  rule: RetentionCategory;
  period_ended_at: string;
  started_at: string;
  /** the signed expiry record in the store */
  record_key: string;
  objects: number;
  bytes: number;
  completed_at: string | null;
}

/** One start of a node (server/cluster/node-presence.ts): live while stopped_at is null and its heartbeat is younger than the lease. */
export interface NodesTable {
  id: string;
  /** os.hostname() */
  host: string;
  pid: number;
  /** comma-separated, of ingest, api, worker */
  roles: string;
  started_at: string;
  heartbeat_at: string;
  /** set by a clean stop, or by a node on the same host that found the process gone */
  stopped_at: string | null;
}

/** The node recording a live device (server/cluster/device-leases.ts): held while renewed_at is younger than the node lease. */
export interface DeviceLeasesTable {
  device_id: string;
  node_id: string;
  acquired_at: string;
  renewed_at: string;
}

/** Attempts counted per scope and key, shared by the nodes (server/db/attempt-repository.ts). */
export interface AttemptCountsTable {
  scope: string;
  key: string;
  count: number;
  /** when the count starts over: the window's end, or a lock's length after the last attempt */
  fresh_until: string;
  locked_until: string | null;
}

/** A device someone is watching live (server/playback/live-watch.ts), as any node last saw it: the wall's renditions are made only until watched_until. */
export interface LiveWatchesTable {
  device_id: string;
  watched_until: string;
}

export interface Schema {
  devices: DevicesTable;
  recordings: RecordingsTable;
  ledger_entries: LedgerEntriesTable;
  spool_parts: SpoolPartsTable;
  audit_events: AuditEventsTable;
  users: UsersTable;
  auth_sessions: AuthSessionsTable;
  recording_shares: RecordingSharesTable;
  playback_sessions: PlaybackSessionsTable;
  device_health_reports: DeviceHealthReportsTable;
  uploads: UploadsTable;
  outbox: OutboxTable;
  jobs: JobsTable;
  derivatives: DerivativesTable;
  exports: ExportsTable;
  cases: CasesTable;
  case_stages: CaseStagesTable;
  case_members: CaseMembersTable;
  case_actions: CaseActionsTable;
  action_links: ActionLinksTable;
  gap_notes: GapNotesTable;
  case_archived_links: CaseArchivedLinksTable;
  case_annotations: CaseAnnotationsTable;
  redactions: RedactionsTable;
  redacted_segments: RedactedSegmentsTable;
  party_requests: PartyRequestsTable;
  party_request_recordings: PartyRequestRecordingsTable;
  viewing_rooms: ViewingRoomsTable;
  installation: InstallationTable;
  password_history: PasswordHistoryTable;
  account_grants: AccountGrantsTable;
  recording_retention: RecordingRetentionTable;
  recording_expiries: RecordingExpiriesTable;
  key_fingerprints: KeyFingerprintsTable;
  nodes: NodesTable;
  device_leases: DeviceLeasesTable;
  attempt_counts: AttemptCountsTable;
  live_watches: LiveWatchesTable;
}

export type Device = Selectable<DevicesTable>;
export type Recording = Selectable<RecordingsTable>;
export type LedgerEntry = Selectable<LedgerEntriesTable>;
export type SpoolPart = Selectable<SpoolPartsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type User = Selectable<UsersTable>;
export type Grant = Selectable<AccountGrantsTable>;
export type PlaybackSession = Selectable<PlaybackSessionsTable>;
export type Upload = Selectable<UploadsTable>;
export type Job = Selectable<JobsTable>;
export type Derivative = Selectable<DerivativesTable>;
export type ClusterNode = Selectable<NodesTable>;
export type DeviceLease = Selectable<DeviceLeasesTable>;
export type Export = Selectable<ExportsTable>;
export type Case = Selectable<CasesTable>;
export type CaseAction = Selectable<CaseActionsTable>;
export type ActionLink = Selectable<ActionLinksTable>;
export type Redaction = Selectable<RedactionsTable>;
export type PartyRequest = Selectable<PartyRequestsTable>;
export type ViewingRoom = Selectable<ViewingRoomsTable>;
