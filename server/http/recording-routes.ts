import type { AuditAction } from '../audit/audit-actions.ts';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import type { Recording, RecordingFlag } from '../db/schema.ts';
import { mayLabel, mayReplay, mayShare } from '../policy/policy.ts';
import { contract, noBody } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { recordingDetailSchema, recordingViewSchema, verificationSchema } from './recording-responses.ts';
import { contextOf } from './request-context.ts';
import { recordingIdSchema } from '../ids.ts';
import { type Keeper, labelSchema, type ShareInput, shareInputSchema } from '../recordings/recording-keeping.ts';
import type { ShownRetention } from '../retention/retention-view.ts';

const idParam = z.object({ id: recordingIdSchema });
const labelBody = z.object({ label: labelSchema });

/** A signed-in custodian as the keeper: the policy's rules, and where the request came from. */
function keeperOf(viewer: Viewer, req: Request): Keeper {
  return { actor: `user:${viewer.id}`, ...contextOf(req), mayShare: (rec) => mayShare(viewer, rec), mayLabel: (rec, to) => mayLabel(viewer, rec, to) };
}

export function recordingRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  r.use('/recordings', requireAuth(d.auth));
  const present = (rec: Recording, deviceName: string | null, retention: ShownRetention) => ({
    id: rec.id,
    deviceId: rec.device_id,
    deviceName: deviceName ?? rec.device_id,
    officerBadge: rec.officer_badge,
    unit: rec.unit,
    startedAt: rec.started_at,
    endedAt: rec.ended_at,
    state: rec.state,
    segments: rec.segment_count,
    gaps: rec.gap_count,
    durationMs: rec.duration_ms,
    confidentiality: rec.confidentiality,
    origin: rec.origin,
    clockDriftMs: rec.clock_drift_ms,
    flags: JSON.parse(rec.flags) as RecordingFlag[],
    retention,
  });
  /** Each recording's retention, shown wherever the recording is (a legal hold above all). */
  const retentions = (ids: string[]) => d.retention.shown(ids);
  const deviceName = async (rec: Recording) => (await d.repos.recordings.deviceName(rec.device_id)) ?? null;
  /** Loads a recording the viewer may replay; refusals are audited. */
  const readable = async (req: Request, id: string, viewer: Viewer, action: AuditAction) => {
    const rec = await d.repos.recordings.get(id);
    await enforce(d.audit, req, viewer, await d.playback.replayDecision(viewer, rec), action, rec.id);
    return rec;
  };

  const onRecording = { caller: 'user', params: idParam } as const;

  route(
    {
      method: 'get',
      path: '/recordings',
      summary: 'the recordings the viewer may replay, newest first (at most 500)',
      caller: 'user',
      responses: { 200: z.object({ recordings: z.array(recordingViewSchema) }).strict() },
    },
    async (_input, _req, res) => {
      const { viewer } = authOf(res);
      // One query for the rows, their device names and whether each is shared with this viewer.
      const rows = await d.repos.recordings.listedFor(viewer, d.clock.now().toISOString());
      const visible = rows.filter(
        (rec) => mayReplay(viewer, { unit: rec.unit, confidentiality: rec.confidentiality, sharedWithViewer: rec.shared_with !== null, onViewersCase: Number(rec.on_case) === 1 }).allow,
      );
      const kept = await retentions(visible.map((rec) => rec.id));
      res.json({ recordings: visible.map((rec) => present(rec, rec.device_name, kept.get(rec.id)!)) });
    },
  );

  route({ ...onRecording, method: 'get', path: '/recordings/:id', summary: 'one recording and its ledger as a timeline', responses: { 200: recordingDetailSchema } }, async (input, req, res) => {
    const rec = await readable(req, input.params.id, authOf(res).viewer, 'recording.read');
    const entries = await d.repos.recordings.entries(rec.id);
    res.json({
      recording: present(rec, await deviceName(rec), (await retentions([rec.id])).get(rec.id)!),
      timeline: entries.map((e) => ({ idx: e.idx, kind: e.kind, start: e.start_at, durationMs: e.duration_ms, cause: e.cause, by: e.marker_by })),
    });
  });

  route(
    {
      ...onRecording,
      method: 'get',
      path: '/recordings/:id/verification',
      summary: "the recording's chain, objects, checkpoints and signed manifest checked now",
      responses: { 200: verificationSchema },
    },
    async (input, req, res) => {
      const rec = await readable(req, input.params.id, authOf(res).viewer, 'recording.verify');
      res.json(await d.recordingVerification.check(rec.id));
    },
  );

  route(
    {
      ...onRecording,
      method: 'post',
      path: '/recordings/:id/shares',
      summary: 'the recording shared with a reviewer, for a period or for ever (custodian)',
      body: shareInputSchema,
      responses: { 204: noBody('shared') },
    },
    async (input, req, res) => {
      // The raw body: the keeper decides whether this viewer may share the recording before it reads whom with.
      await d.keeping.share(keeperOf(authOf(res).viewer, req), input.params.id, req.body as ShareInput);
      res.status(204).end();
    },
  );

  route(
    {
      ...onRecording,
      method: 'put',
      path: '/recordings/:id/confidentiality',
      summary: "the recording's confidentiality label set, or cleared with null (custodian cleared for both)",
      body: labelBody,
      responses: { 204: noBody('labelled') },
    },
    async (input, req, res) => {
      const { label } = input.body;
      await d.keeping.label(keeperOf(authOf(res).viewer, req), input.params.id, label);
      res.status(204).end();
    },
  );
  return r;
}
