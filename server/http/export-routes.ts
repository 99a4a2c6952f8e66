import type { AuditAction } from '../audit/audit-actions.ts';
/**
 * Exports over HTTP: ask for one, follow its job, download the file. Every step is decided by
 * policy.mayExport again, so a label set after the request stops the download, and every
 * download is audited with its bytes (001 §35: copies given out are traceable). A party follows
 * and downloads only the copies made for their own approved request, while its window is open
 * (server/party/party-copies.ts); they ask for them under the request (party-routes.ts).
 */
import { type Request, Router } from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import type { Export } from '../db/schema.ts';
import { ExportNotFound, exportIdSchema, exportRequestSchema } from '../exports/export-requests.ts';
import { mayExport } from '../policy/policy.ts';
import { contract, media } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';
import { recordingIdSchema } from '../ids.ts';

const recordingParam = z.object({ id: recordingIdSchema });
const exportParam = z.object({ id: exportIdSchema });

/** An export asked for: follow its job with GET /api/exports/<exportId>. */
export const exportCreatedSchema = z.object({ exportId: z.string(), jobId: z.string() }).strict();
const exportSchema = z
  .object({
    exportId: z.string(),
    kind: z.enum(['package', 'party_copy']),
    recordingId: z.string(),
    recipient: z.string().nullable(),
    approvalNo: z.string().nullable(),
    requestId: z.string().nullable().describe('the party request a party copy was made under'),
    redactionId: z.string().nullable(),
    requestedBy: z.string(),
    createdAt: z.string(),
    jobId: z.string(),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    progress: z.number(),
    error: z.string().nullable(),
    ready: z.boolean(),
    sha256: z.string().nullable(),
    size: z.number().nullable(),
  })
  .strict();

const FILE_TYPE: Record<Export['kind'], { contentType: string; ext: string }> = {
  package: { contentType: 'application/x-tar', ext: 'tar' },
  party_copy: { contentType: 'video/mp4', ext: 'mp4' },
};

export function exportRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  r.use(['/recordings/:id/exports', '/exports'], requireAuth(d.auth));

  /** The export and its recording, after the policy (refusals audited). */
  const allowed = async (req: Request, id: string, viewer: Viewer, action: AuditAction) => {
    const exp = await d.repos.exports.find(id);
    if (!exp) throw new ExportNotFound(id);
    const rec = await d.repos.recordings.get(exp.recording_id);
    const decision = viewer.role === 'party' ? await d.partyCopies.downloadDecision(viewer, exp) : mayExport(viewer, rec, exp.kind, exp.redaction_id !== null);
    await enforce(d.audit, req, viewer, decision, action, rec.id);
    return { exp, rec };
  };

  route(
    {
      method: 'post',
      path: '/recordings/:id/exports',
      summary: 'an evidence package or a party copy of a closed recording (custodian)',
      caller: 'user',
      params: recordingParam,
      body: exportRequestSchema,
      responses: { 201: exportCreatedSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const rec = await d.repos.recordings.get(input.params.id);
      await enforce(d.audit, req, viewer, mayExport(viewer, rec, input.body.kind), 'export.request', rec.id);
      const created = await d.exportRequests.create(rec, input.body, { actor: `user:${viewer.id}`, ...contextOf(req) });
      res.status(201).json(created);
    },
  );

  route({ method: 'get', path: '/exports/:id', summary: 'an export and its job', caller: 'user', params: exportParam, responses: { 200: exportSchema } }, async (input, req, res) => {
    const { exp } = await allowed(req, input.params.id, authOf(res).viewer, 'export.read');
    const job = await d.repos.jobs.get(exp.job_id);
    res.json({
      exportId: exp.id,
      kind: exp.kind,
      recordingId: exp.recording_id,
      recipient: exp.recipient,
      approvalNo: exp.approval_no,
      requestId: exp.request_id,
      redactionId: exp.redaction_id,
      requestedBy: exp.requested_by,
      createdAt: exp.created_at,
      jobId: exp.job_id,
      state: job.state,
      progress: job.progress,
      error: job.error,
      ready: exp.object_key !== null,
      sha256: exp.sha256,
      size: exp.size,
    });
  });

  route(
    {
      method: 'get',
      path: '/exports/:id/file',
      summary: "the export's file, with its Repr-Digest; 409 export_not_ready until made",
      caller: 'user',
      params: exportParam,
      responses: { 200: media('application/x-tar', 'an evidence package (tar), or video/mp4 for a party copy') },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const { exp, rec } = await allowed(req, input.params.id, viewer, 'export.download');
      const ctx = contextOf(req);
      const audited = { actor: `user:${viewer.id}`, action: 'export.download' as const, subject: rec.id, sessionId: exp.id, address: ctx.address, userAgent: ctx.userAgent };
      if (!exp.object_key || !exp.sha256) {
        await d.audit.record({ ...audited, outcome: 'refused', detail: { reason: 'export_not_ready' } });
        res.status(409).json({ error: 'export_not_ready' });
        return;
      }
      // Streamed: a package of hours is never held whole.
      const body = await d.store.getStream(exp.object_key);
      await d.audit.record({ ...audited, outcome: 'ok', object: exp.object_key, bytes: exp.size ?? undefined, detail: { exportId: exp.id, kind: exp.kind, sha256: exp.sha256 } });
      const type = FILE_TYPE[exp.kind];
      res
        .type(type.contentType)
        .setHeader('Content-Disposition', `attachment; filename="${exp.id}.${type.ext}"`)
        .setHeader('Repr-Digest', `sha-256=:${Buffer.from(exp.sha256, 'hex').toString('base64')}:`)
        .setHeader('Content-Length', String(exp.size));
      // pipeline ends the response either way. A download that did not complete (the client left, or
      // the store failed midway: a short body) is audited as such beside the `ok` of its start.
      await pipeline(body, res).catch((e: unknown) =>
        d.audit.record({ ...audited, outcome: 'error', object: exp.object_key!, detail: { exportId: exp.id, reason: 'incomplete', error: (e as Error).message } }),
      );
    },
  );
  return r;
}
