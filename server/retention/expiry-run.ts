/**
 * Expires what the plan says is due, one recording at a time, in steps that can each be done
 * again: (1) the signed expiry record is put in the store, or the one an earlier, cut-short run
 * put is taken as it is; (2) the expiry's row is written; (3) each object the record names is
 * deleted by the store's only delete, which refuses anything locked or held; (4) the expiry is
 * audited once and the row completed. A run killed anywhere and started again finishes the same
 * expiry, with one record, one row and one audit event. The ledger is never touched.
 */
import { putOrKeep } from '../cases/case-manifest.ts';
import type { Requester } from '../exports/export-requests.ts';
import { ObjectRetained } from '../storage/evidence-store.ts';
import { type ExpiryRecord, EXPIRY_FORMAT, expiryKeys, expiryRecordBytes, expiryRecordSchema } from './expiry-record.ts';
import type { ExpiryPlanner, PlannedExpiry } from './expiry-plan.ts';
import { keepPublicKey } from './public-key.ts';
import type { RetentionDeps } from './retention-deps.ts';

export interface ExpiryOutcome {
  recordingId: string;
  outcome: 'expired' | 'refused' | 'failed';
  objects: number;
  bytes: number;
  /** refused: the store's refusal code and the object; failed: the error */
  reason?: string;
}

export class RecordingExpiry {
  constructor(
    private readonly d: RetentionDeps,
    private readonly planner: ExpiryPlanner,
  ) {}

  async run(by: Requester): Promise<ExpiryOutcome[]> {
    const plan = await this.planner.plan();
    const outcomes: ExpiryOutcome[] = [];
    for (const due of plan.due) {
      try {
        outcomes.push(await this.expire(due, by));
      } catch (e) {
        await this.audit(by, due.recordingId, 'error', { error: String(e) });
        outcomes.push({ recordingId: due.recordingId, outcome: 'failed', objects: 0, bytes: 0, reason: String(e) });
      }
    }
    return outcomes;
  }

  private async expire(due: PlannedExpiry, by: Requester): Promise<ExpiryOutcome> {
    const { d } = this;
    const record = await this.writeRecord(due);
    const { retention } = d.repos;
    await retention.startExpiry({
      recording_id: record.recordingId,
      rule: record.rule,
      period_ended_at: record.periodEndedAt,
      started_at: record.expiredAt,
      record_key: expiryKeys.record(record.recordingId),
      objects: record.objects.length,
      bytes: record.bytes,
      completed_at: null,
    });

    for (const o of record.objects) {
      try {
        await d.store.deleteExpired(o.key);
      } catch (e) {
        if (!(e instanceof ObjectRetained)) throw e;
        // The store has the last word: a hold or a later lock placed since the plan stops this expiry here.
        await this.audit(by, record.recordingId, 'refused', { object: o.key, reason: e.code, message: e.message });
        return { recordingId: record.recordingId, outcome: 'refused', objects: record.objects.length, bytes: record.bytes, reason: `${e.code}: ${o.key}` };
      }
    }

    if (!(await retention.expiryAudited(record.recordingId))) {
      await this.audit(by, record.recordingId, 'ok', {
        rule: record.rule,
        periodEndedAt: record.periodEndedAt,
        expiredAt: record.expiredAt,
        objects: record.objects.length,
        bytes: record.bytes,
        record: expiryKeys.record(record.recordingId),
      });
    }
    await retention.completeExpiry(record.recordingId, d.clock.now().toISOString());
    return { recordingId: record.recordingId, outcome: 'expired', objects: record.objects.length, bytes: record.bytes };
  }

  /** The record an earlier run wrote stands (its time and list are what was decided); otherwise a new one. */
  private async writeRecord(due: PlannedExpiry): Promise<ExpiryRecord> {
    const { d } = this;
    const rec = await d.repos.recordings.get(due.recordingId);
    const now = d.clock.now();
    const fresh: ExpiryRecord = {
      format: EXPIRY_FORMAT,
      recordingId: due.recordingId,
      headLink: rec.head_link,
      rule: due.rule,
      periodMs: d.periods.unlinkedMs,
      periodEndedAt: due.periodEndedAt,
      expiredAt: now.toISOString(),
      objects: due.objects,
      bytes: due.bytes,
      signingKey: d.signingKey.fingerprint,
    };
    // The record outlives what it speaks of: it is kept for the archive period.
    const retainUntil = new Date(now.getTime() + d.periods.caseMs);
    await keepPublicKey(d, retainUntil);
    const stored = await putOrKeep(d.store, expiryKeys.record(due.recordingId), expiryRecordBytes(fresh), retainUntil, 'application/json');
    await putOrKeep(d.store, expiryKeys.signature(due.recordingId), d.signingKey.sign(stored), retainUntil, 'application/octet-stream');
    const record = expiryRecordSchema.parse(JSON.parse(stored.toString()));
    if (record.recordingId !== due.recordingId) throw new Error(`expiry record ${expiryKeys.record(due.recordingId)} names another recording (${record.recordingId})`);
    return record;
  }

  private async audit(by: Requester, recordingId: string, outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown>): Promise<void> {
    await this.d.audit.record({ actor: by.actor, action: 'retention.expire', subject: recordingId, outcome, address: by.address, userAgent: by.userAgent, detail });
  }
}
