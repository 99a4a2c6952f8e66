/**
 * Redactions over HTTP: ask for one of a recording, list a recording's, read one. Each is decided
 * by redaction-policy against the recording's facts now, so a label set later also stops the
 * reading of its marks by someone without the clearance; refusals are audited where decided.
 */
import type { AuditAction } from '../audit/audit-actions.ts';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import type { Recording } from '../db/schema.ts';
import { mayReadRedactions, mayRedact } from '../policy/redaction-policy.ts';
import { redactionMarksSchema } from '../redaction/redaction-marks.ts';
import { presentRedaction, redactionIdSchema } from '../redaction/redactions.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';
import { recordingIdSchema } from '../ids.ts';

const recordingParam = z.object({ id: recordingIdSchema });
const redactionParam = z.object({ id: redactionIdSchema });
const requestBody = z.object({ marks: redactionMarksSchema });
/** The route takes the marks as sent: Redactions.create reads them, after the recording's state, and audits bad ones as its own refusal. */
const asSent = requestBody.extend({ marks: z.unknown() });

const redactionSchema = z
  .object({
    redactionId: z.string(),
    recordingId: z.string(),
    state: z.enum(['pending', 'ready', 'failed']),
    marks: redactionMarksSchema,
    createdBy: z.string(),
    createdAt: z.string(),
    jobId: z.string(),
    manifestKey: z.string().nullable().describe('the signed redaction manifest, once ready; its signature at <manifestKey>.sig'),
    error: z.string().nullable(),
  })
  .strict();

export function redactionRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  r.use(['/recordings/:id/redactions', '/redactions'], requireAuth(d.auth));

  const decide = async (req: Request, viewer: Viewer, rec: Recording, may: typeof mayRedact, action: AuditAction) =>
    enforce(d.audit, req, viewer, may(viewer, rec, await d.playback.replayDecision(viewer, rec)), action, rec.id);

  route(
    {
      method: 'post',
      path: '/recordings/:id/redactions',
      summary: 'a redacted derivative of a closed recording',
      caller: 'user',
      params: recordingParam,
      body: requestBody,
      responses: { 201: z.object({ redactionId: z.string(), jobId: z.string() }).strict() },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const rec = await d.repos.recordings.get(input.params.id);
      await decide(req, viewer, rec, mayRedact, 'redaction.request');
      const { marks } = asSent.parse(req.body);
      res.status(201).json(await d.redactions.create(rec, marks, { actor: `user:${viewer.id}`, ...contextOf(req) }));
    },
  );

  route(
    {
      method: 'get',
      path: '/recordings/:id/redactions',
      summary: "a recording's redactions, newest first",
      caller: 'user',
      params: recordingParam,
      responses: { 200: z.object({ redactions: z.array(redactionSchema) }).strict() },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const rec = await d.repos.recordings.get(input.params.id);
      await decide(req, viewer, rec, mayReadRedactions, 'redaction.list');
      const rows = await d.repos.redactions.ofRecording(rec.id);
      res.json({ redactions: rows.map(presentRedaction) });
    },
  );

  route({ method: 'get', path: '/redactions/:id', summary: 'one redaction', caller: 'user', params: redactionParam, responses: { 200: redactionSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    const redaction = await d.repos.redactions.get(input.params.id);
    await decide(req, viewer, await d.repos.recordings.get(redaction.recording_id), mayReadRedactions, 'redaction.read');
    res.json(presentRedaction(redaction));
  });
  return r;
}
