import { AnalyticsRepository } from './analytics-repository.ts';
import { AttemptRepository } from './attempt-repository.ts';
import { AuditRepository } from './audit-repository.ts';
import { AuthSessionRepository } from './auth-session-repository.ts';
import { CaseRepository } from './case-repository.ts';
import type { Db } from './database.ts';
import { DerivativeRepository } from './derivative-repository.ts';
import { DeviceLeaseRepository } from './device-lease-repository.ts';
import { DeviceRepository } from './device-repository.ts';
import { ExportRepository } from './export-repository.ts';
import { ForensicRepository } from './forensic-repository.ts';
import { HealthRepository } from './health-repository.ts';
import { JobRepository } from './job-repository.ts';
import { KeyRepository } from './key-repository.ts';
import { LiveWatchRepository } from './live-watch-repository.ts';
import { NodeRepository } from './node-repository.ts';
import { PartyRepository } from './party-repository.ts';
import { PlaybackRepository } from './playback-repository.ts';
import { RecordingRepository } from './recording-repository.ts';
import { RedactionRepository } from './redaction-repository.ts';
import { RetentionRepository } from './retention-repository.ts';
import { UploadRepository } from './upload-repository.ts';
import { UserRepository } from './user-repository.ts';

/** Every repository over one database, built once by the composition root (server/core.ts). */
export interface Repositories {
  analytics: AnalyticsRepository;
  attempts: AttemptRepository;
  audit: AuditRepository;
  authSessions: AuthSessionRepository;
  cases: CaseRepository;
  derivatives: DerivativeRepository;
  deviceLeases: DeviceLeaseRepository;
  devices: DeviceRepository;
  exports: ExportRepository;
  forensic: ForensicRepository;
  health: HealthRepository;
  jobs: JobRepository;
  keys: KeyRepository;
  liveWatches: LiveWatchRepository;
  nodes: NodeRepository;
  party: PartyRepository;
  playback: PlaybackRepository;
  recordings: RecordingRepository;
  redactions: RedactionRepository;
  retention: RetentionRepository;
  uploads: UploadRepository;
  users: UserRepository;
}

export function repositoriesOf(db: Db): Repositories {
  return {
    analytics: new AnalyticsRepository(db),
    attempts: new AttemptRepository(db),
    audit: new AuditRepository(db),
    authSessions: new AuthSessionRepository(db),
    cases: new CaseRepository(db),
    derivatives: new DerivativeRepository(db),
    deviceLeases: new DeviceLeaseRepository(db),
    devices: new DeviceRepository(db),
    exports: new ExportRepository(db),
    forensic: new ForensicRepository(db),
    health: new HealthRepository(db),
    jobs: new JobRepository(db),
    keys: new KeyRepository(db),
    liveWatches: new LiveWatchRepository(db),
    nodes: new NodeRepository(db),
    party: new PartyRepository(db),
    playback: new PlaybackRepository(db),
    recordings: new RecordingRepository(db),
    redactions: new RedactionRepository(db),
    retention: new RetentionRepository(db),
    uploads: new UploadRepository(db),
    users: new UserRepository(db),
  };
}
