/**
 * Playback: sessions are created with a bearer token under /api; playlists and segments are
 * fetched under /play with the session's signed URLs only (native HLS players send no headers).
 */
import { Router } from 'express';
import { z } from 'zod';
import { anyIdSchema } from '../ids.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const sessionBody = z.union([z.object({ recordingId: z.string().min(1).max(64) }).strict(), z.object({ deviceId: z.string().min(1).max(64) }).strict()]);
const playlistParams = z.object({ sid: anyIdSchema, name: z.enum(['index', 'original', 'r360']) });
const segmentParams = z.object({ sid: anyIdSchema, rec: anyIdSchema, idx: z.coerce.number().int().positive().max(10_000_000) });

export function playbackSessionRoutes(d: ApiDeps): Router {
  const r = Router();
  r.post('/playback-sessions', requireAuth(d.auth), async (req, res) => {
    res.status(201).json(await d.playback.createSession(authOf(res).viewer, sessionBody.parse(req.body), contextOf(req)));
  });
  return r;
}

export function playRoutes(d: ApiDeps): Router {
  const r = Router();
  // `index` is a replay's playlist or a live session's master; `original` and `r360` its variants.
  r.get('/:sid/:name.m3u8', async (req, res) => {
    const { sid, name } = playlistParams.parse(req.params);
    const body = await d.playback.playlist(sid, name, req.query, contextOf(req));
    res.type('application/vnd.apple.mpegurl').send(body);
  });
  r.get('/:sid/:rec/:idx.ts', async (req, res) => {
    const { sid, rec, idx } = segmentParams.parse(req.params);
    const bytes = await d.playback.segment(sid, rec, idx, req.query, contextOf(req));
    res.type('video/mp2t').send(bytes);
  });
  return r;
}
