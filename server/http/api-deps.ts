import type { AuditLog } from '../audit/audit-log.ts';
import type { AttemptLimiter } from '../auth/attempt-limiter.ts';
import type { AuthService } from '../auth/auth-service.ts';
import type { UserRegistry } from '../auth/user-registry.ts';
import type { Accounts } from '../auth/accounts.ts';
import type { CaseCheck } from '../cases/case-check.ts';
import type { CaseManifests } from '../cases/case-manifest.ts';
import type { ComplianceAnalytics } from '../analytics/report.ts';
import type { CaseService } from '../cases/case-service.ts';
import type { GapNotes } from '../cases/gap-notes.ts';
import type { PartyCopies } from '../party/party-copies.ts';
import type { PartyPresentation } from '../party/present-party.ts';
import type { Redactions } from '../redaction/redactions.ts';
import type { CaseView } from '../cases/case-view.ts';
import type { ExportRequests } from '../exports/export-requests.ts';
import type { RecordingVerification } from '../ledger/verify.ts';
import type { JobRows } from '../queue/job-rows.ts';
import type { Repositories } from '../db/repositories.ts';
import type { PartyRequests } from '../party/party-requests.ts';
import type { ViewingRooms } from '../party/viewing-rooms.ts';
import type { RecordingKeeping } from '../recordings/recording-keeping.ts';
import type { RecordingRetention } from '../retention/recording-retention.ts';
import type { DeviceHealth } from '../devices/device-health.ts';
import type { DeviceRegistry } from '../devices/device-registry.ts';
import type { PublishGate } from '../devices/publish-gate.ts';
import type { LedgerEntry } from '../db/schema.ts';
import type { PlaybackService } from '../playback/playback-service.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import type { Uploads } from '../uploads/uploads.ts';
import type { Clock } from '../clock.ts';

/** What the HTTP routes are given: interfaces, never SDKs. */
export interface ApiDeps {
  /** every query goes through these */
  repos: Repositories;
  /** the one clock of the server (Core) */
  clock: Clock;
  cases: CaseService;
  caseCheck: CaseCheck;
  caseView: CaseView;
  caseManifests: CaseManifests;
  exportRequests: ExportRequests;
  recordingVerification: RecordingVerification;
  jobRows: JobRows;
  gapNotes: GapNotes;
  partyCopies: PartyCopies;
  /** party requests and rooms as the API shows them */
  presentation: PartyPresentation;
  redactions: Redactions;
  analytics: ComplianceAnalytics;
  accounts: Accounts;
  partyRequests: PartyRequests;
  /** the one ViewingRooms of the server: its sweep and the routes share it */
  rooms: ViewingRooms;
  keeping: RecordingKeeping;
  store: EvidenceStore;
  audit: AuditLog;
  auth: AuthService;
  users: UserRegistry;
  devices: DeviceRegistry;
  playback: PlaybackService;
  publishUrl(deviceId: string, credential: string): string;
  /** device credentials, for the device API */
  gate: PublishGate;
  /** failed device credentials per address, counted with every node's */
  deviceFailures: AttemptLimiter;
  /** seals a notice marker into a device's open recording */
  notice(deviceId: string, at: Date, by: string): Promise<LedgerEntry>;
  health: DeviceHealth;
  /** offline recordings arriving by resumable upload */
  uploads: Uploads;
  /** retention by category (server/retention): a recording's period and hold, the report, legal holds */
  retention: RecordingRetention;
}
