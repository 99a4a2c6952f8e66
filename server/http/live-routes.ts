import { Router } from 'express';
import { z } from 'zod';
import { mayListLive } from '../policy/policy.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';

const feedSchema = z
  .object({
    deviceId: z.string(),
    deviceName: z.string(),
    officerBadge: z.string().nullable(),
    state: z.enum(['live', 'interrupted', 'offline']),
    /** the last three: null without an open recording */
    recordingId: z.string().nullable(),
    lastSegmentAt: z.string().nullable(),
    lastSegmentAgeSeconds: z.number().nullable(),
  })
  .strict();

/** The command-center wall's list: the unit's active devices and how fresh their feed is. */
export function liveRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  route(
    {
      method: 'get',
      path: '/live',
      summary: "the unit's active devices and their feeds (commander)",
      caller: 'user',
      guard: requireAuth(d.auth),
      responses: { 200: z.object({ feeds: z.array(feedSchema) }).strict() },
    },
    async (_input, req, res) => {
      const { viewer } = authOf(res);
      await enforce(d.audit, req, viewer, mayListLive(viewer), 'live.list');
      const devices = await d.repos.playback.activeDevicesOf(viewer.unit);
      const now = d.clock.now().getTime();
      const feeds = [];
      for (const device of devices) {
        const rec = await d.repos.recordings.newestOf(device.id);
        const open = rec && rec.state !== 'closed' ? rec : undefined;
        const last = open ? await d.repos.recordings.lastEntry(open.id, 'segment') : undefined;
        const lastSegmentAt = last ? new Date(Date.parse(last.start_at) + last.duration_ms).toISOString() : null;
        feeds.push({
          deviceId: device.id,
          deviceName: device.name,
          officerBadge: device.officer_badge,
          state: open?.state ?? 'offline',
          recordingId: open?.id ?? null,
          lastSegmentAt,
          lastSegmentAgeSeconds: lastSegmentAt ? Math.max(0, Math.round((now - Date.parse(lastSegmentAt)) / 100) / 10) : null,
        });
      }
      res.json({ feeds });
    },
  );
  return r;
}
