/**
 * The core the CLI, the server and the workers share: configuration, database, store, ledger,
 * audit, and the services the command line calls as the API does, each built here once. Its own module, so that the server (server/liuhen.ts) and the workers
 * (workers/run-workers.ts) both depend on it and not on each other.
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.ts';
import { AuditVerification } from './audit/verify-audit.ts';
import { Accounts } from './auth/accounts.ts';
import { CaseCheck } from './cases/case-check.ts';
import { CaseManifests } from './cases/case-manifest.ts';
import { CaseService } from './cases/case-service.ts';
import { CaseView } from './cases/case-view.ts';
import { UserRegistry } from './auth/user-registry.ts';
import type { Config } from './config.ts';
import { InstallationKeyring, type InstallationKeys } from './crypto/installation-keys.ts';
import type { ServerKeys } from './crypto/server-secret.ts';
import type { SigningKey } from './crypto/signing-key.ts';
import { type Db, openDatabase } from './db/database.ts';
import { type Repositories, repositoriesOf } from './db/repositories.ts';
import { DeviceRegistry } from './devices/device-registry.ts';
import { ExportRequests } from './exports/export-requests.ts';
import { TracedLeaks } from './forensic/trace.ts';
import { RecordingVerification } from './ledger/verify.ts';
import { Sealer } from './ledger/sealer.ts';
import { createLogger } from './logger.ts';
import { JobRows } from './queue/job-rows.ts';
import { QueueSettings } from './queue/queue-prefix.ts';
import { RecordingKeeping } from './recordings/recording-keeping.ts';
import { RecordingRetention } from './retention/recording-retention.ts';
import type { EvidenceStore } from './storage/evidence-store.ts';
import { openStore } from './storage/open-store.ts';
import { type Clock, systemClock } from './clock.ts';

/** What the CLI and the server share: configuration, database, store, ledger, audit. */
export interface Core {
  config: Config;
  log: Logger;
  /** tests look rows up here; services, routes, the CLI and workers are handed `repos` */
  db: Db;
  /** every query goes through these */
  repos: Repositories;
  /** the one clock services read the time from */
  clock: Clock;
  store: EvidenceStore;
  audit: AuditLog;
  devices: DeviceRegistry;
  users: UserRegistry;
  keys: ServerKeys;
  /** this node's keys held to the installation's: loaded here, rotated by `liuhen keys rotate-signing` */
  keyring: InstallationKeyring;
  sealer: Sealer;
  signingKey: SigningKey;
  cases: CaseService;
  caseCheck: CaseCheck;
  caseView: CaseView;
  caseManifests: CaseManifests;
  accounts: Accounts;
  keeping: RecordingKeeping;
  exportRequests: ExportRequests;
  recordingVerification: RecordingVerification;
  auditVerification: AuditVerification;
  jobRows: JobRows;
  tracedLeaks: TracedLeaks;
  /** retention by category: views, the report, legal holds, the expiry plan and run */
  retention: RecordingRetention;
  /** the queue's settings with this installation's prefix */
  queueSettings: QueueSettings;
  close(): Promise<void>;
}

export async function openCore(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Core> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  const db = await openDatabase(config.databaseUrl, config.databaseOwnerUrl);
  const repos = repositoriesOf(db);
  const clock = systemClock;
  let store: EvidenceStore;
  let installationKeys: InstallationKeys;
  const keyring = new InstallationKeyring(config.keysDir, repos.keys, clock);
  try {
    installationKeys = await keyring.load();
    store = await openStore(config.store);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const { keys, signingKey } = installationKeys;
  const audit = new AuditLog(repos, clock);
  // New objects of a recording get the shortest lock, the unlinked period; a case or a hold lengthens it (server/retention).
  const sealer = new Sealer({ repos, clock, store, signingKey, retentionDays: config.retention.unlinkedMs / 86_400_000 });
  const users = new UserRegistry(repos, audit, clock, config.passwordCost);
  const caseCheck = new CaseCheck(repos.cases, clock);
  return {
    config,
    log,
    db,
    repos,
    clock,
    store,
    audit,
    devices: new DeviceRegistry(repos, audit, keys.key('device-secrets'), clock),
    users,
    keys,
    keyring,
    sealer,
    signingKey,
    cases: new CaseService({ repos, clock, audit, store, signingKey, retentionDays: config.retentionDays }),
    caseCheck,
    caseView: new CaseView(repos.cases, caseCheck, clock),
    caseManifests: new CaseManifests(repos.cases, store),
    accounts: new Accounts(repos, audit, users, clock),
    keeping: new RecordingKeeping(repos, audit, clock),
    exportRequests: new ExportRequests(repos.exports, audit, clock),
    recordingVerification: new RecordingVerification(repos.recordings, store),
    auditVerification: new AuditVerification(repos.audit, store),
    jobRows: new JobRows(repos.jobs),
    tracedLeaks: new TracedLeaks({ recordings: repos.recordings, forensic: repos.forensic, store, audit, ffmpegPath: config.ffmpegPath, codewordKey: keys.key('forensic-codeword') }),
    retention: new RecordingRetention({ repos, clock, store, audit, signingKey, periods: config.retention }),
    queueSettings: new QueueSettings(repos.jobs, config.queue),
    close: async () => {
      await audit.flush();
      await store.close();
      await db.destroy();
    },
  };
}
