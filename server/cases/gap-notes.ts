/**
 * A person's reason for a gap in a recording (断续录制 needs a cause, 001 §12): one per gap,
 * written once (the table refuses updates and deletes), audited with the recording as subject.
 */
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { CaseRepository } from '../db/case-repository.ts';
import type { Recording } from '../db/schema.ts';
import { violates } from '../db/unique-violation.ts';
import { markAudited, NotFound, StateConflict } from '../errors.ts';
import type { Requester } from '../exports/export-requests.ts';
import { gapNoteSchema } from './case-input.ts';

const NOTE_INDEX = { name: 'gap_notes_pk', table: 'gap_notes', columns: ['recording_id', 'idx'] };

/** Reasons written for gaps, from the case page. */
export class GapNotes {
  constructor(
    private readonly cases: CaseRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async note(recording: Recording, idx: number, input: unknown, by: Requester): Promise<void> {
    const { reason } = gapNoteSchema.parse(input);
    const audited = { actor: by.actor, action: 'gap.note' as const, subject: recording.id, address: by.address, userAgent: by.userAgent };
    if (!(await this.cases.isGap(recording.id, idx))) throw new NotFound('gap', `${recording.id}/${idx}`);
    const refused = async () => {
      await this.audit.record({ ...audited, outcome: 'refused', detail: { idx, reason: 'gap_noted' } });
      return markAudited(new StateConflict('gap_noted', `gap ${idx} of ${recording.id} has its reason already; a reason is written once`));
    };
    if (await this.cases.hasGapNote(recording.id, idx)) throw await refused();
    try {
      await this.cases.addGapNote({ recording_id: recording.id, idx, reason, noted_by: by.actor, noted_at: this.clock.now().toISOString() });
    } catch (e) {
      // Two notes at once: PostgreSQL names the key that refused the second.
      if (!violates(e, NOTE_INDEX)) throw e;
      throw await refused();
    }
    await this.audit.record({ ...audited, outcome: 'ok', detail: { idx, reason } });
  }
}
