/**
 * Moves a recording's lock date later: every object it has gets the new date in the store
 * (S3 PutObjectRetention, COMPLIANCE), then its retention row records it. Never shorter: a date
 * earlier than the one recorded changes nothing.
 */
import type { RetentionCategory } from '../db/schema.ts';
import { ObjectNotFound } from '../errors.ts';
import type { Requester } from '../exports/export-requests.ts';
import type { KeepingDeps } from './retention-deps.ts';
import type { RecordingObjects } from './recording-objects.ts';
import { laterOf } from './retention-rules.ts';

export interface Extension {
  recordingId: string;
  until: string;
  objects: number;
}

export class RetentionExtension {
  constructor(
    private readonly d: KeepingDeps,
    private readonly objects: RecordingObjects,
  ) {}

  /** `cause`: why, for the audit (a case's link or archiving, the daily reconciliation). */
  async extend(recordingId: string, proposed: Date, category: RetentionCategory, by: Requester, cause: Record<string, unknown>): Promise<Extension> {
    const { d } = this;
    const { retention } = d.repos;
    const row = await retention.retentionOf(recordingId);
    const until = laterOf(row?.retain_until, proposed);
    const keys = await this.objects.keys(recordingId);
    for (const key of keys) {
      try {
        await d.store.extendRetention(key, until);
      } catch (e) {
        // Listed a moment ago and gone now: an expiry removed it, nothing left to keep.
        if (!(e instanceof ObjectNotFound)) throw e;
      }
    }
    const extendedAt = d.clock.now().toISOString();
    const fields = { category: laterCategory(row?.category, category), retain_until: until.toISOString(), extended_at: extendedAt };
    if (row) await retention.changeRetention(recordingId, fields);
    else await retention.addOrChangeRetention({ recording_id: recordingId, ...fields, hold_reason: null, hold_by: null, hold_at: null }, fields);
    await d.audit.record({
      actor: by.actor,
      action: 'retention.extend',
      subject: recordingId,
      outcome: 'ok',
      address: by.address,
      userAgent: by.userAgent,
      detail: { ...cause, until: fields.retain_until, category: fields.category, objects: keys.length },
    });
    return { recordingId, until: fields.retain_until, objects: keys.length };
  }
}

/** Once a case keeps a recording it stays in the case's category. */
function laterCategory(recorded: RetentionCategory | undefined, proposed: RetentionCategory): RetentionCategory {
  return recorded === 'case' ? 'case' : proposed;
}
