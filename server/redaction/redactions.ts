/**
 * Asking for a redaction of a closed recording: the marks are checked against the recording,
 * written as a `redactions` row with its job in one transaction, and audited. The derivative is
 * made by workers/redact-recording.ts; the original is never touched.
 */
import type { AuditLog } from '../audit/audit-log.ts';
import { JobRepository } from '../db/job-repository.ts';
import type { RedactionRepository } from '../db/redaction-repository.ts';
import type { Recording, Redaction } from '../db/schema.ts';
import { InvalidInput, markAudited } from '../errors.ts';
import { RecordingNotClosed, type Requester } from '../exports/export-requests.ts';
import { idSchema, newId } from '../ids.ts';
import { marksBeyond, type RedactionMarks, redactionMarksSchema } from './redaction-marks.ts';
import type { Clock } from '../clock.ts';

export const redactionIdSchema = idSchema('red');

/** A redaction as the API shows it. */
export function presentRedaction(r: Redaction) {
  return {
    redactionId: r.id,
    recordingId: r.recording_id,
    state: r.state,
    marks: JSON.parse(r.marks) as RedactionMarks,
    createdBy: r.created_by,
    createdAt: r.created_at,
    jobId: r.job_id,
    manifestKey: r.manifest_key,
    error: r.error,
  };
}

/** Redactions asked for over the API. */
export class Redactions {
  constructor(
    private readonly redactions: RedactionRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** Who may ask was decided by the caller (redaction-policy.mayRedact); bad marks are refused and audited here. */
  async create(recording: Recording, input: unknown, by: Requester): Promise<{ redactionId: string; jobId: string }> {
    const audited = { actor: by.actor, action: 'redaction.request' as const, subject: recording.id, address: by.address, userAgent: by.userAgent };
    const refuse = async (error: Error, reason: string) => {
      await this.audit.record({ ...audited, outcome: 'refused', detail: { reason } });
      return markAudited(error);
    };
    if (recording.state !== 'closed') throw await refuse(new RecordingNotClosed(recording.id), 'recording_not_closed');
    const parsed = redactionMarksSchema.safeParse(input);
    if (!parsed.success) throw await refuse(parsed.error, 'invalid_marks');
    const marks = parsed.data;
    const beyond = marksBeyond(marks, recording.duration_ms);
    if (beyond > 0) throw await refuse(new InvalidInput(`${beyond} mark(s) end after the recording (${recording.duration_ms} ms)`), 'marks_outside_recording');

    const redactionId = newId('red');
    const jobId = await this.redactions.transaction(async (redactions) => {
      // The recording is the job's subject: the replay page follows it with the recording's other jobs.
      const job = await redactions.beside(JobRepository).enqueue('recording.redact', { redactionId }, recording.id);
      const row: Redaction = {
        id: redactionId,
        recording_id: recording.id,
        marks: JSON.stringify(marks),
        state: 'pending',
        job_id: job,
        manifest_key: null,
        error: null,
        created_by: by.actor,
        created_at: this.clock.now().toISOString(),
      };
      await redactions.add(row);
      return job;
    });
    await this.audit.record({ ...audited, outcome: 'ok', sessionId: redactionId, detail: { redactionId, jobId, mute: marks.mute.length, blur: marks.blur.length } });
    return { redactionId, jobId };
  }
}
