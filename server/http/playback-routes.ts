/**
 * Playback: sessions are created with a bearer token under /api; playlists and segments are
 * fetched under /play with the session's signed URLs only (native HLS players send no headers).
 */
import { type Response, Router } from 'express';
import { z } from 'zod';
import { anyIdSchema } from '../ids.ts';
import { contract, media } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const sessionBody = z.union([z.object({ recordingId: z.string().min(1).max(64) }).strict(), z.object({ deviceId: z.string().min(1).max(64) }).strict()]);
const playlistParams = z.object({ sid: anyIdSchema, name: z.enum(['index', 'original', 'r360']) });
const segmentParams = z.object({ sid: anyIdSchema, rec: anyIdSchema, idx: z.coerce.number().int().positive().max(10_000_000) });
/** What a signed URL carries; the playback service checks it, and audits a bad one as its own refusal. */
const signedQuery = z.object({ exp: z.string().describe('expiry, Unix seconds'), sig: z.string() });

/** A new session: what the player gives hls.js, and the watermark it draws. */
export const playbackSessionSchema = z
  .object({
    sessionId: z.string(),
    kind: z.enum(['live', 'replay']),
    playlistUrl: z.string().describe('relative and signed: give it to hls.js as it is'),
    expiresAt: z.string(),
    watermark: z.object({ viewerName: z.string(), badge: z.string(), sessionId: z.string() }).strict(),
    marking: z.object({ marked: z.number().int(), segments: z.number().int() }).strict().nullable().describe('a replay whose tail is held back until marked; null when nothing is held'),
    unmarked: z.enum(['audio_only', 'photo']).nullable().describe('a replay served from its originals, and why'),
    photoUrl: z.string().nullable().describe("a photo's picture, signed for this session"),
  })
  .strict();

export function playbackSessionRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  route(
    {
      method: 'post',
      path: '/playback-sessions',
      summary: 'a replay ({ recordingId }) or live ({ deviceId }) session',
      caller: 'user',
      guard: requireAuth(d.auth),
      body: sessionBody,
      responses: { 201: playbackSessionSchema },
    },
    async (input, req, res) => {
      res.status(201).json(await d.playback.createSession(authOf(res).viewer, input.body, contextOf(req)));
    },
  );
  return r;
}

export function playRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  const signed = { method: 'get', caller: 'signed_url', query: signedQuery } as const;
  // `index` is a replay's playlist or a live session's master; `original` and `r360` its variants.
  route(
    {
      ...signed,
      path: '/:sid/:name.m3u8',
      summary: "a session's HLS playlist",
      params: playlistParams,
      responses: { 200: media('application/vnd.apple.mpegurl', 'HLS playlist; its URLs signed and short-lived') },
    },
    async ({ params: { sid, name } }, req, res) => {
      const body = await d.playback.playlist(sid, name, req.query, contextOf(req));
      res.type('application/vnd.apple.mpegurl').send(body);
    },
  );
  route(
    { ...signed, path: '/:sid/:rec/:idx.ts', summary: 'one segment', params: segmentParams, responses: { 200: media('video/mp2t', 'MPEG-TS segment') } },
    async ({ params: { sid, rec, idx } }, req, res) => {
      sendMedia(res, 'video/mp2t', await d.playback.segment(sid, rec, idx, req.query, contextOf(req)));
    },
  );
  // A photo recording's picture: an <img> sends no headers either.
  route(
    { ...signed, path: '/:sid/:rec/:idx/photo', summary: "a photo recording's picture", params: segmentParams, responses: { 200: media('image/*', 'the photo as sealed') } },
    async ({ params: { sid, rec, idx } }, req, res) => {
      const { bytes, contentType } = await d.playback.photo(sid, rec, idx, req.query, contextOf(req));
      sendMedia(res, contentType, bytes);
    },
  );
  return r;
}

/**
 * Media bytes as they are, without the ETag express's send would compute — a SHA-1 of every
 * segment on every request, for answers that are `no-store`, signed per session and (their
 * continuity counters carried on per session) different for each viewer: no validator of them
 * could ever be used.
 */
function sendMedia(res: Response, contentType: string, bytes: Buffer): void {
  res.type(contentType).setHeader('Content-Length', bytes.length);
  res.end(bytes);
}
