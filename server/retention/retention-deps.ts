import type { AuditLog } from '../audit/audit-log.ts';
import type { RetentionPeriods } from '../config.ts';
import type { SigningKey } from '../crypto/signing-key.ts';
import type { Repositories } from '../db/repositories.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import type { Clock } from '../clock.ts';

/** What retention works with; `clock` is what every date of one run is read from. */
export interface RetentionDeps {
  repos: Pick<Repositories, 'retention' | 'recordings' | 'cases' | 'users'>;
  store: EvidenceStore;
  audit: AuditLog;
  signingKey: SigningKey;
  periods: Pick<RetentionPeriods, 'unlinkedMs' | 'caseMs'>;
  clock: Clock;
}

/** Extending and holding sign nothing, and need only the archive period. */
export type KeepingDeps = Omit<RetentionDeps, 'signingKey' | 'periods'> & { periods: Pick<RetentionPeriods, 'caseMs'> };
