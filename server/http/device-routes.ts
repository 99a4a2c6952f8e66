/**
 * What devices send (health reports, the 告知 marker) and the marker from an officer's app.
 * Devices sign with the credential issued to them, the app with a user's token.
 */
import { type Request, Router } from 'express';
import { toServerClock } from '../uploads/upload-timing.ts';
import { z } from 'zod';
import { markAudited, NotRecording, StateConflict } from '../errors.ts';
import { healthReportSchema } from '../devices/device-health.ts';
import { mayMarkNotice } from '../policy/policy.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { deviceOf, requireDevice } from './authenticate-device.ts';
import { healthFlagSchema } from './device-responses.ts';
import { contextOf } from './request-context.ts';

/** `at`: when the party was told; the moment of the request if not given. */
const noticeBody = z.object({ at: z.string().datetime({ offset: true }).optional() });
/** Travel of the request and what a freshly synced clock may still be off, on top of the device's measured drift. */
const NOTICE_SLACK_MS = 10_000;

/**
 * A notice is sealed for ever, so its time must be one the open recording could hold: not before
 * it started, not after now, give or take the device's measured drift (and NOTICE_SLACK_MS).
 */
class NoticeOutsideRecording extends StateConflict {
  constructor(at: Date, from: Date, to: Date) {
    super('notice_outside_recording', `a notice at ${at.toISOString()} is outside the open recording (${from.toISOString()} – ${to.toISOString()})`);
  }
}
const deviceIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const noticeSchema = z.object({ recordingId: z.string(), idx: z.number().int(), at: z.string() }).strict();

export function deviceRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  const device = requireDevice(d);

  /** Every marker is audited, and so is one refused for want of an open recording. */
  /** `measuredDriftMs`: the device's drift as last measured, which widens the span a notice may fall in. */
  const withinOpenRecording = async (deviceId: string, at: Date, measuredDriftMs: number) => {
    const open = await d.repos.recordings.openRecordingOf(deviceId);
    // No open recording: the ledger says so (not_recording).
    if (!open) return;
    const allowance = NOTICE_SLACK_MS + Math.abs(measuredDriftMs);
    const from = new Date(Date.parse(open.started_at) - allowance);
    const to = new Date(d.clock.now().getTime() + allowance);
    if (at < from || at > to) throw new NoticeOutsideRecording(at, from, to);
  };

  /** `clockDriftMs`: corrects the time a device gives by its own clock; the app's is taken as it is. */
  const markNotice = async (at: string | undefined, req: Request, deviceId: string, by: string, measuredDriftMs: number, clockDriftMs = 0) => {
    const ctx = contextOf(req);
    const audited = { actor: by === 'device' ? `device:${deviceId}` : by, action: 'recording.notice' as const, address: ctx.address, userAgent: ctx.userAgent };
    try {
      const when = at ? toServerClock(new Date(at), clockDriftMs) : d.clock.now();
      await withinOpenRecording(deviceId, when, measuredDriftMs);
      const entry = await d.notice(deviceId, when, by);
      await d.audit.record({ ...audited, subject: entry.recording_id, outcome: 'ok', detail: { deviceId, idx: entry.idx, at: entry.start_at } });
      return { recordingId: entry.recording_id, idx: entry.idx, at: entry.start_at };
    } catch (e) {
      if (!(e instanceof NotRecording || e instanceof NoticeOutsideRecording)) throw e;
      await d.audit.record({ ...audited, subject: deviceId, outcome: 'refused', detail: { reason: e.code } });
      throw markAudited(e);
    }
  };

  route(
    {
      method: 'post',
      path: '/device/health',
      summary: "a device's health report: its clock, battery and storage",
      caller: 'device',
      guard: device,
      body: healthReportSchema,
      responses: { 200: z.object({ clockDriftMs: z.number(), flags: z.array(healthFlagSchema) }).strict() },
    },
    async (input, req, res) => {
      const { clockDriftMs, flags, flagsChanged } = await d.health.report(deviceOf(res).id, input.body, contextOf(req));
      // A recording opened next takes its drift flag from the gate's copy of the device: refresh it now rather than within the second.
      if (flagsChanged) await d.gate.refresh();
      res.json({ clockDriftMs, flags });
    },
  );

  route(
    {
      method: 'post',
      path: '/device/notice',
      summary: 'the 告知 marker, by the device',
      caller: 'device',
      guard: device,
      body: noticeBody,
      responses: { 201: noticeSchema },
    },
    async (input, req, res) => {
      // The device says when by its own clock; the ledger keeps server time, corrected by the drift it last reported.
      const drift = deviceOf(res).clock_drift_ms ?? 0;
      res.status(201).json(await markNotice(input.body.at, req, deviceOf(res).id, 'device', drift, drift));
    },
  );

  route(
    {
      method: 'post',
      path: '/devices/:id/notice',
      summary: "the 告知 marker, from an officer's app",
      caller: 'user',
      guard: requireAuth(d.auth),
      params: deviceIdParam,
      body: noticeBody,
      responses: { 201: noticeSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const target = await d.devices.get(input.params.id);
      await enforce(d.audit, req, viewer, mayMarkNotice(viewer, { officerBadge: target.officer_badge, unit: target.unit }), 'recording.notice', target.id);
      res.status(201).json(await markNotice(input.body.at, req, target.id, `user:${viewer.id}`, target.clock_drift_ms ?? 0));
    },
  );
  return r;
}
