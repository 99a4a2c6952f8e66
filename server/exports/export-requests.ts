/**
 * Asking for an export: the request is checked, written as an `exports` row with its job in the
 * same transaction (a row never waits for a job that was not asked for, nor the reverse), and
 * audited. The work itself is done by workers/export-package.ts and workers/export-party-copy.ts.
 *
 * A party copy is given out only under an approval number (审批编号): the agency head's consent
 * to a party's request (001 §36), required, recorded and burned into the copy. A copy the party
 * asks for under an approved request (server/party/party-copies.ts) names the request, whose id is
 * the number, and the redaction it was approved as: a labelled recording leaves only redacted.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ExportRepository } from '../db/export-repository.ts';
import { JobRepository } from '../db/job-repository.ts';
import type { Export, Recording } from '../db/schema.ts';
import { LiuhenError, markAudited, NotAllowed } from '../errors.ts';
import { newId } from '../ids.ts';
import { mayGiveOut } from '../policy/policy.ts';
import { idSchema } from '../ids.ts';
import type { Clock } from '../clock.ts';

/** Printable text only: it is burned into the picture and printed in the audit log. */
const printable = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{C}]+$/u, 'no control characters');

export const exportRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('package') }).strict(),
  z.object({ kind: z.literal('party_copy'), recipient: printable(100), approvalNo: printable(64) }).strict(),
]);

export const exportIdSchema = idSchema('exp');

/** An export of a recording still being made would not hold what the recording will hold. */
export class RecordingNotClosed extends LiuhenError {
  constructor(readonly recordingId: string) {
    super('recording_not_closed', `recording ${recordingId} is not closed yet; only closed recordings are exported`);
  }
}

export class ExportNotFound extends LiuhenError {
  constructor(readonly exportId: string) {
    super('export_not_found', `no such export: ${exportId}`);
  }
}

export interface Requester {
  /** `user:<id>` or the command line's actor */
  actor: string;
  address?: string | null;
  userAgent?: string | null;
}

/** A party copy made under an approved party request: the request, and the redaction it was approved as. */
export interface PartyCopyOrigin {
  requestId: string;
  redactionId: string | null;
}

/** Exports asked for, by the API, the command line and a party under an approved request. */
export class ExportRequests {
  constructor(
    private readonly exports: ExportRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** The role was decided by the caller (policy.mayExport over HTTP; the command line is the operator's; party-policy.mayCopy for a party). */
  async create(recording: Recording, input: unknown, by: Requester, origin?: PartyCopyOrigin): Promise<{ exportId: string; jobId: string }> {
    const request = exportRequestSchema.parse(input);
    const audited = { actor: by.actor, action: 'export.request' as const, subject: recording.id, address: by.address, userAgent: by.userAgent };
    const redactionId = request.kind === 'party_copy' ? (origin?.redactionId ?? null) : null;
    const outward = mayGiveOut(request.kind, recording, redactionId !== null);
    if (!outward.allow) {
      await this.audit.record({ ...audited, outcome: 'refused', detail: { kind: request.kind, reason: outward.reason } });
      throw markAudited(new NotAllowed(outward.reason));
    }
    if (recording.state !== 'closed') throw new RecordingNotClosed(recording.id);

    const exportId = newId('exp');
    const recipient = request.kind === 'party_copy' ? request.recipient : null;
    const approvalNo = request.kind === 'party_copy' ? request.approvalNo : null;
    const jobId = await this.exports.transaction(async (exports) => {
      const job = await exports.beside(JobRepository).enqueue(request.kind === 'package' ? 'export.package' : 'export.party_copy', { exportId }, exportId);
      const row: Export = {
        id: exportId,
        kind: request.kind,
        recording_id: recording.id,
        requested_by: by.actor,
        recipient,
        approval_no: approvalNo,
        redaction_id: redactionId,
        request_id: origin?.requestId ?? null,
        job_id: job,
        object_key: null,
        sha256: null,
        size: null,
        created_at: this.clock.now().toISOString(),
      };
      await exports.add(row);
      return job;
    });
    await this.audit.record({
      ...audited,
      outcome: 'ok',
      sessionId: exportId,
      detail: { exportId, jobId, kind: request.kind, recipient, approvalNo, ...(origin ? { requestId: origin.requestId, redactionId } : {}) },
    });
    return { exportId, jobId };
  }
}
