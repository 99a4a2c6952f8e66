/** Shapes of the viewing API (player/API.md). */

export type Role = 'commander' | 'reviewer' | 'custodian' | 'auditor' | 'admin' | 'party' | 'agency_head' | 'legal' | 'security_officer';

export interface User {
  id: string;
  name: string;
  badge: string;
  role: Role;
  unit: string;
}

export interface AuthSession {
  accessToken: string;
  accessExpiresAt: string;
  refreshToken: string;
  user: User;
  /** a one-time password was used: until it is changed the session may do nothing else */
  mustChangePassword?: boolean;
}

export type FeedState = 'live' | 'interrupted' | 'offline';

export interface LiveFeed {
  deviceId: string;
  deviceName: string;
  officerBadge: string | null;
  state: FeedState;
  recordingId: string | null;
  lastSegmentAt: string | null;
  lastSegmentAgeSeconds: number | null;
}

export type RecordingState = 'live' | 'interrupted' | 'closed';
export type Confidentiality = 'state_secret' | 'trade_secret' | 'privacy';

export interface Recording {
  id: string;
  deviceId: string;
  deviceName: string;
  officerBadge: string | null;
  unit: string;
  startedAt: string;
  endedAt: string | null;
  state: RecordingState;
  segments: number;
  gaps: number;
  durationMs: number;
  confidentiality: Confidentiality | null;
  origin: 'live' | 'upload';
  /** the device clock minus the server's when the recording started, if the device reported it */
  clockDriftMs: number | null;
  flags: RecordingFlag[];
}

/** A recording's flag: a code, or a code with how many times it was found (`decode_errors`). */
export type RecordingFlag = string | { kind: string; count: number };

export type GapCause = 'device_disconnect' | 'network' | 'server_restart' | 'device_fault' | 'disk_full' | 'store_unavailable' | 'segmenter_failed';

export interface TimelineEntry {
  idx: number;
  kind: 'segment' | 'gap' | 'notice';
  start: string;
  durationMs: number;
  cause?: GapCause | null;
  /** notices: `device` or `user:<id>` */
  by?: string | null;
}

export type DeviceKind = 'bodycam' | 'fixed';
export type HealthFlag = 'clock_drift' | 'low_battery' | 'low_storage';

export interface Device {
  id: string;
  kind: DeviceKind;
  name: string;
  officerBadge: string | null;
  unit: string;
  state: 'active' | 'revoked';
  lastSeenAt: string | null;
  health: {
    at: string | null;
    batteryPct: number | null;
    storageFreeMb: number | null;
    clockDriftMs: number | null;
    flags: HealthFlag[];
  };
  error: string | null;
  rtspUrl: string | null;
}

/** What `GET /api/recordings/:id/verification` answers: the same document as `liuhen verify --json`. */
export interface Verification {
  recordingId: string;
  ok: boolean;
  entries: number;
  segments: number;
  gaps: number;
  checkpointsChecked: number;
  manifestChecked: boolean;
  /** `idx` 0: the recording as a whole (header, manifest, signature, chain origin) */
  problems: { idx: number; what: string; message: string }[];
}

export interface WatermarkText {
  viewerName: string;
  badge: string;
  sessionId: string;
}

export interface PlaybackSession {
  sessionId: string;
  kind: string;
  playlistUrl: string;
  expiresAt: string;
  watermark: WatermarkText;
  /** a replay whose last segments are still being marked: they are held back, the playlist grows as they are */
  marking: { marked: number; segments: number } | null;
  /** replayed from its sealed originals, and why: a sound recording cannot carry the picture mark, nor a still photo the forensic one */
  unmarked: 'audio_only' | 'photo' | null;
  /** a photo's picture, signed for this session (it has no playlist); null otherwise */
  photoUrl: string | null;
}

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

/** A worker's job for a recording (renditions, watermark variants) or an export. */
export interface Job {
  id: string;
  kind: string;
  state: JobState;
  /** 0–100 */
  progress: number;
  runs: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  outcome: string;
  address: string | null;
  userAgent: string | null;
  sessionId: string | null;
  object: string | null;
  bytes: number | null;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
