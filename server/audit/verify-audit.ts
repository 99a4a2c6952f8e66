/**
 * Checks the audit chain: every event's hash over its own fields and its predecessor's hash,
 * sequence numbers without holes, and every checkpoint in the store against the event it names.
 * The first problem is the one reported first.
 */
import type { AuditRepository } from '../db/audit-repository.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { AUDIT_GENESIS, auditEventLine } from './audit-log.ts';
import { AUDIT_CHECKPOINT_PREFIX, auditCheckpointSchema } from './audit-checkpoints.ts';

export interface AuditProblem {
  seq: number;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  events: number;
  checkpointsChecked: number;
  problems: AuditProblem[];
}

const PAGE = 5000;

/** The audit chain checked end to end, for `liuhen audit verify`. */
export class AuditVerification {
  constructor(
    private readonly events: AuditRepository,
    private readonly store: EvidenceStore,
  ) {}

  async check(): Promise<AuditReport> {
    const problems: AuditProblem[] = [];
    const hashes = new Map<number, string>();
    let prev = AUDIT_GENESIS;
    let expectedSeq = 1;
    let count = 0;
    for (let after = 0; ;) {
      const page = await this.events.after(after, PAGE);
      if (page.length === 0) break;
      for (const e of page) {
        count++;
        if (e.seq !== expectedSeq) problems.push({ seq: expectedSeq, message: `events ${expectedSeq}–${e.seq - 1} are missing` });
        const { hash, ...fields } = e;
        if (e.prev_hash !== prev) problems.push({ seq: e.seq, message: `event ${e.seq} does not follow event ${e.seq - 1} (previous hash differs)` });
        else if (sha256Hex(auditEventLine(fields)) !== hash) problems.push({ seq: e.seq, message: `event ${e.seq} was altered (its hash does not match its content)` });
        hashes.set(e.seq, hash);
        prev = hash;
        expectedSeq = e.seq + 1;
      }
      after = page[page.length - 1]!.seq;
    }
    let checkpointsChecked = 0;
    for (const key of await this.store.list(AUDIT_CHECKPOINT_PREFIX)) {
      const parsed = auditCheckpointSchema.safeParse(JSON.parse((await this.store.get(key)).toString('utf8')));
      if (!parsed.success) {
        problems.push({ seq: 0, message: `checkpoint ${key} is unreadable` });
        continue;
      }
      checkpointsChecked++;
      const { seq, hash } = parsed.data;
      const actual = hashes.get(seq);
      if (actual === undefined) problems.push({ seq, message: `event ${seq}, checkpointed in ${key}, is missing from the database` });
      else if (actual !== hash) problems.push({ seq, message: `event ${seq} differs from the checkpoint in ${key}: the chain was rewritten from here or earlier` });
    }
    problems.sort((a, b) => a.seq - b.seq);
    return { ok: problems.length === 0, events: count, checkpointsChecked, problems };
  }
}
