/**
 * Redactions over HTTP: ask for one of a recording, list a recording's, read one. Each is decided
 * by redaction-policy against the recording's facts now, so a label set later also stops the
 * reading of its marks by someone without the clearance; refusals are audited where decided.
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import type { Recording } from '../db/schema.ts';
import { loadRecording } from '../exports/export-requests.ts';
import { mayReadRedactions, mayRedact } from '../policy/redaction-policy.ts';
import { createRedaction, loadRedaction, presentRedaction, redactionIdSchema } from '../redaction/redactions.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';
import { recordingIdSchema } from '../ids.ts';

const recordingParam = z.object({ id: recordingIdSchema });
const redactionParam = z.object({ id: redactionIdSchema });
const requestBody = z.object({ marks: z.unknown() });

export function redactionRoutes(d: ApiDeps): Router {
  const r = Router();
  r.use(['/recordings/:id/redactions', '/redactions'], requireAuth(d.auth));

  const decide = async (req: Request, viewer: Viewer, rec: Recording, may: typeof mayRedact, action: string) =>
    enforce(d.audit, req, viewer, may(viewer, rec, await d.playback.replayDecision(viewer, rec)), action, rec.id);

  r.post('/recordings/:id/redactions', async (req, res) => {
    const { viewer } = authOf(res);
    const rec = await loadRecording(d.db, recordingParam.parse(req.params).id);
    await decide(req, viewer, rec, mayRedact, 'redaction.request');
    const { marks } = requestBody.parse(req.body);
    res.status(201).json(await createRedaction(d, rec, marks, { actor: `user:${viewer.id}`, ...contextOf(req) }));
  });

  r.get('/recordings/:id/redactions', async (req, res) => {
    const { viewer } = authOf(res);
    const rec = await loadRecording(d.db, recordingParam.parse(req.params).id);
    await decide(req, viewer, rec, mayReadRedactions, 'redaction.list');
    const rows = await d.db.selectFrom('redactions').selectAll().where('recording_id', '=', rec.id).orderBy('created_at', 'desc').execute();
    res.json({ redactions: rows.map(presentRedaction) });
  });

  r.get('/redactions/:id', async (req, res) => {
    const { viewer } = authOf(res);
    const redaction = await loadRedaction(d.db, redactionParam.parse(req.params).id);
    await decide(req, viewer, await loadRecording(d.db, redaction.recording_id), mayReadRedactions, 'redaction.read');
    res.json(presentRedaction(redaction));
  });
  return r;
}
