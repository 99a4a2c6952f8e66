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
const playlistParams = z.object({ sid: anyIdSchema });
const segmentParams = z.object({ sid: anyIdSchema, rec: anyIdSchema, idx: z.coerce.number().int().positive().max(10_000_000) });

export function playbackSessionRoutes(d: ApiDeps): Router {
  const r = Router();
  r.post('/playback-sessions', requireAuth(d.auth, d.audit), async (req, res) => {
    res.status(201).json(await d.playback.createSession(authOf(res).viewer, sessionBody.parse(req.body), contextOf(req)));
  });
  return r;
}

export function playRoutes(d: ApiDeps): Router {
  const r = Router();
  r.get('/:sid/index.m3u8', async (req, res) => {
    const { sid } = playlistParams.parse(req.params);
    const body = await d.playback.playlist(sid, req.query, contextOf(req));
    res.type('application/vnd.apple.mpegurl').send(body);
  });
  r.get('/:sid/:rec/:idx.ts', async (req, res) => {
    const { sid, rec, idx } = segmentParams.parse(req.params);
    const bytes = await d.playback.segment(sid, rec, idx, req.query, contextOf(req));
    res.type('video/mp2t').send(bytes);
  });
  return r;
}
