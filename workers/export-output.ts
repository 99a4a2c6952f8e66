/**
 * What both export jobs share: finding their export and recording, and storing the one file they
 * make. The file is written once (`exports/<id>/<file>`); a retried job that finds it stored keeps
 * the stored bytes, so the row, the audit and the store always name the same file.
 */
import type { Export, Recording } from '../server/db/schema.ts';
import { ExportNotFound, RecordingNotClosed } from '../server/exports/export-requests.ts';
import { objectKeys } from '../server/ledger/object-keys.ts';
import type { PutSource } from '../server/storage/evidence-store.ts';
import type { AuditLog } from '../server/audit/audit-log.ts';
import type { ExportRepository } from '../server/db/export-repository.ts';
import type { RecordingRepository } from '../server/db/recording-repository.ts';
import type { WorkerProducts } from './store-product.ts';

/** The export jobs' export and recording, and the one file each stores. */
export class ExportOutput {
  constructor(
    private readonly exports: ExportRepository,
    private readonly recordings: RecordingRepository,
    private readonly products: WorkerProducts,
    private readonly audit: AuditLog,
  ) {}

  async load(exportId: string, kind: Export['kind']): Promise<{ exp: Export; recording: Recording }> {
    const exp = await this.exports.find(exportId, kind);
    if (!exp) throw new ExportNotFound(exportId);
    const recording = await this.recordings.get(exp.recording_id);
    if (recording.state !== 'closed') throw new RecordingNotClosed(recording.id);
    return { exp, recording };
  }

  async store(
    // A job's context (job-handler.ts), by its shape: handlers import this module.
    ctx: { jobId: string; progress(percent: number): Promise<void> },
    exp: Export,
    file: { name: string; source: PutSource; contentType: string },
  ): Promise<{ objectKey: string; sha256: string; size: number }> {
    const key = objectKeys.exportFile(exp.id, file.name);
    const { sha256, size } = await this.products.store(key, file.source, file.contentType);
    await this.exports.recordFile(exp.id, { objectKey: key, sha256, size });
    await this.audit.record({
      actor: `worker:${ctx.jobId}`,
      action: 'export.made',
      subject: exp.recording_id,
      outcome: 'ok',
      sessionId: exp.id,
      object: key,
      bytes: size,
      detail: { exportId: exp.id, kind: exp.kind, recipient: exp.recipient, approvalNo: exp.approval_no, sha256 },
    });
    await ctx.progress(100);
    return { objectKey: key, sha256, size };
  }
}

/** An export whose file is stored is done: a retry reports it and makes nothing again. */
export function madeAlready(exp: Export): { objectKey: string; sha256: string; size: number } | undefined {
  return exp.object_key && exp.sha256 && exp.size !== null ? { objectKey: exp.object_key, sha256: exp.sha256, size: exp.size } : undefined;
}
