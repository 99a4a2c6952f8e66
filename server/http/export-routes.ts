/**
 * Exports over HTTP: ask for one, follow its job, download the file. Every step is decided by
 * policy.mayExport again, so a label set after the request stops the download, and every
 * download is audited with its bytes (001 §35: copies given out are traceable). A party follows
 * and downloads only the copies made for their own approved request, while its window is open
 * (server/party/party-copies.ts); they ask for them under the request (party-routes.ts).
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import type { Export } from '../db/schema.ts';
import { createExport, ExportNotFound, exportIdSchema, loadRecording } from '../exports/export-requests.ts';
import { partyDownloadDecision } from '../party/party-copies.ts';
import { mayExport } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';
import { recordingIdSchema } from '../ids.ts';

const recordingParam = z.object({ id: recordingIdSchema });
const exportParam = z.object({ id: exportIdSchema });

const FILE_TYPE: Record<Export['kind'], { contentType: string; ext: string }> = {
  package: { contentType: 'application/x-tar', ext: 'tar' },
  party_copy: { contentType: 'video/mp4', ext: 'mp4' },
};

export function exportRoutes(d: ApiDeps): Router {
  const r = Router();
  r.use(['/recordings/:id/exports', '/exports'], requireAuth(d.auth));

  /** The export and its recording, after the policy (refusals audited). */
  const allowed = async (req: Request, viewer: Viewer, action: string) => {
    const { id } = exportParam.parse(req.params);
    const exp = await d.db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!exp) throw new ExportNotFound(id);
    const rec = await loadRecording(d.db, exp.recording_id);
    const decision = viewer.role === 'party' ? await partyDownloadDecision(d.db, viewer, exp, new Date()) : mayExport(viewer, rec, exp.kind, exp.redaction_id !== null);
    await enforce(d.audit, req, viewer, decision, action, rec.id);
    return { exp, rec };
  };

  r.post('/recordings/:id/exports', async (req, res) => {
    const { viewer } = authOf(res);
    const rec = await loadRecording(d.db, recordingParam.parse(req.params).id);
    const kind = z.object({ kind: z.enum(['package', 'party_copy']) }).parse(req.body).kind;
    await enforce(d.audit, req, viewer, mayExport(viewer, rec, kind), 'export.request', rec.id);
    const created = await createExport(d, rec, req.body, { actor: `user:${viewer.id}`, ...contextOf(req) });
    res.status(201).json(created);
  });

  r.get('/exports/:id', async (req, res) => {
    const { exp } = await allowed(req, authOf(res).viewer, 'export.read');
    const job = await d.db.selectFrom('jobs').select(['state', 'progress', 'error']).where('id', '=', exp.job_id).executeTakeFirstOrThrow();
    res.json({
      exportId: exp.id, kind: exp.kind, recordingId: exp.recording_id, recipient: exp.recipient, approvalNo: exp.approval_no, requestId: exp.request_id, redactionId: exp.redaction_id,
      requestedBy: exp.requested_by, createdAt: exp.created_at, jobId: exp.job_id, state: job.state, progress: job.progress,
      error: job.error, ready: exp.object_key !== null, sha256: exp.sha256, size: exp.size,
    });
  });

  r.get('/exports/:id/file', async (req, res) => {
    const { viewer } = authOf(res);
    const { exp, rec } = await allowed(req, viewer, 'export.download');
    const ctx = contextOf(req);
    const audited = { actor: `user:${viewer.id}`, action: 'export.download', subject: rec.id, sessionId: exp.id, address: ctx.address, userAgent: ctx.userAgent };
    if (!exp.object_key || !exp.sha256) {
      await d.audit.record({ ...audited, outcome: 'refused', detail: { reason: 'export_not_ready' } });
      res.status(409).json({ error: 'export_not_ready' });
      return;
    }
    const bytes = await d.store.get(exp.object_key);
    await d.audit.record({ ...audited, outcome: 'ok', object: exp.object_key, bytes: bytes.length, detail: { exportId: exp.id, kind: exp.kind, sha256: exp.sha256 } });
    const type = FILE_TYPE[exp.kind];
    res
      .type(type.contentType)
      .setHeader('Content-Disposition', `attachment; filename="${exp.id}.${type.ext}"`)
      .setHeader('Repr-Digest', `sha-256=:${Buffer.from(exp.sha256, 'hex').toString('base64')}:`)
      .send(bytes);
  });
  return r;
}
