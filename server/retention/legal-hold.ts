/**
 * A legal hold (issue 17): a custodian keeps a recording beyond any period, with a reason, until
 * a custodian lifts it, with a reason. The store holds every object (S3 legal hold), so the store
 * itself refuses their expiry; the recording's retention row shows who holds it and why. The
 * store goes first each way: an act cut short leaves the store holding more, never less, than
 * the database says, and doing it again finishes it.
 */
import { z } from 'zod';
import type { Recording, RecordingRetentionTable } from '../db/schema.ts';
import { markAudited, NotAllowed, ObjectNotFound, StateConflict } from '../errors.ts';
import type { Requester } from '../exports/export-requests.ts';
import type { Decision } from '../policy/policy.ts';
import type { KeepingDeps } from './retention-deps.ts';
import type { RecordingObjects } from './recording-objects.ts';

export const holdInputSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

/** Who acts, and whether the rule lets them act on this recording (a custodian of its unit). */
export interface Holder extends Requester {
  mayHold(rec: Recording): Decision;
}

export interface HoldChange {
  recordingId: string;
  held: boolean;
  reason: string;
  at: string;
  objects: number;
}

export class LegalHolds {
  constructor(
    private readonly d: KeepingDeps,
    private readonly objects: RecordingObjects,
  ) {}

  place(recordingId: string, input: unknown, by: Holder): Promise<HoldChange> {
    return this.change(recordingId, input, by, true);
  }

  lift(recordingId: string, input: unknown, by: Holder): Promise<HoldChange> {
    return this.change(recordingId, input, by, false);
  }

  /** Every object of the recording, held or released in the store. */
  private async holdAll(recordingId: string, on: boolean): Promise<number> {
    const { d } = this;
    const keys = await this.objects.keys(recordingId);
    for (const key of keys) {
      try {
        await d.store.setLegalHold(key, on);
      } catch (e) {
        if (!(e instanceof ObjectNotFound)) throw e;
      }
    }
    return keys.length;
  }

  private async change(recordingId: string, input: unknown, by: Holder, on: boolean): Promise<HoldChange> {
    const { d } = this;
    const action = on ? 'recording.hold' : 'recording.release';
    const refuse = async (err: NotAllowed | StateConflict): Promise<never> => {
      const reason = err instanceof NotAllowed ? err.reason : err.code;
      await d.audit.record({ actor: by.actor, action, subject: recordingId, outcome: 'refused', address: by.address, userAgent: by.userAgent, detail: { reason } });
      throw markAudited(err);
    };
    const rec = await d.repos.recordings.get(recordingId);
    const decision = by.mayHold(rec);
    if (!decision.allow) await refuse(new NotAllowed(decision.reason));
    const { reason } = holdInputSchema.parse(input);
    const { retention } = d.repos;
    const row = await retention.retentionOf(recordingId);
    const held = row?.hold_at != null;
    if (on && held) await refuse(new StateConflict('recording_held', `recording ${recordingId} is held since ${row!.hold_at} (${row!.hold_reason})`));
    if (!on && !held) await refuse(new StateConflict('recording_not_held', `recording ${recordingId} is not under a legal hold`));

    const objects = await this.holdAll(recordingId, on);
    const at = d.clock.now().toISOString();
    const hold: Pick<RecordingRetentionTable, 'hold_reason' | 'hold_by' | 'hold_at'> = on
      ? { hold_reason: reason, hold_by: by.actor, hold_at: at }
      : { hold_reason: null, hold_by: null, hold_at: null };
    if (row) await retention.changeRetention(recordingId, hold);
    else {
      // No row yet: the recording keeps the unlinked lock its objects were written with.
      await retention.addRetention({ recording_id: recordingId, category: 'unlinked', retain_until: null, extended_at: null, ...hold });
    }
    const detail = on ? { reason, objects } : { reason, objects, heldSince: row!.hold_at, heldBy: row!.hold_by, heldFor: row!.hold_reason };
    await d.audit.record({ actor: by.actor, action, subject: recordingId, outcome: 'ok', address: by.address, userAgent: by.userAgent, detail });
    return { recordingId, held: on, reason, at, objects };
  }
}
