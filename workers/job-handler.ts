/**
 * What every job handler is given and must honour. Handlers are idempotent: a retried job finds
 * what an earlier run stored (derivatives are write-once) and carries on from there.
 */
import type { Logger } from 'pino';
import type { AuditLog } from '../server/audit/audit-log.ts';
import type { Repositories } from '../server/db/repositories.ts';
import type { JobKind } from '../server/db/schema.ts';
import type { SigningKey } from '../server/crypto/signing-key.ts';
import type { JobPayload } from '../server/queue/job-kinds.ts';
import type { EvidenceStore } from '../server/storage/evidence-store.ts';
import type { Clock } from '../server/clock.ts';
import type { Derivatives } from './derivatives.ts';
import type { ExportOutput } from './export-output.ts';
import type { WorkerProducts } from './store-product.ts';

export interface WorkerDeps {
  /** every query goes through these */
  repos: Repositories;
  /** the one clock of the process (Core) */
  clock: Clock;
  audit: AuditLog;
  store: EvidenceStore;
  ffmpegPath: string;
  /** CJK font for burned-in text */
  fontFile: string;
  /** the segmenter's segment length: with LIVE_WINDOW_SEGMENTS, how long a segment stays in the live window */
  segmentSeconds: number;
  /** scratch space for ffmpeg's files; a handler cleans up what it made */
  workDir: string;
  signingKey: SigningKey;
  /** HMAC key of forensic codewords (server keys, purpose 'forensic-codeword'): picks a party copy's A/B variants */
  codewordKey: Buffer;
  log: Logger;
  /** products written once to the store, locked like the recording's new objects */
  products: WorkerProducts;
  derivatives: Derivatives;
  /** the export jobs' export rows and their one file */
  exportOutput: ExportOutput;
}

export interface JobContext {
  jobId: string;
  /** 0–100; shown by `liuhen export` and the UI */
  progress(percent: number): Promise<void>;
}

export type JobHandler<K extends JobKind> = (payload: JobPayload<K>, ctx: JobContext, deps: WorkerDeps) => Promise<Record<string, unknown> | void>;

export type JobHandlers = { [K in JobKind]: JobHandler<K> };
