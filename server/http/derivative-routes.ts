import type { AuditAction } from '../audit/audit-actions.ts';
/**
 * The replay timeline's scrub thumbnails: the WebVTT track and the sprite sheet its cues point
 * into (relative `sprite.jpg#xywh=…`, so both are served side by side). Pictures of the recording
 * are media: the replay policy decides, and every read — served, refused, or not made yet — is in
 * the audit log.
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sha256Hex } from '../crypto/hash.ts';
import type { DerivativeKind } from '../db/schema.ts';
import { markAudited } from '../errors.ts';
import { IntegrityFailure } from '../playback/playback-service.ts';
import { contract, media } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';
import { recordingIdSchema } from '../ids.ts';

const idParam = z.object({ id: recordingIdSchema });

const SERVED: { file: string; kind: DerivativeKind; contentType: string; action: AuditAction }[] = [
  { file: 'thumbnails.vtt', kind: 'sprite_vtt', contentType: 'text/vtt; charset=utf-8', action: 'recording.thumbnails' },
  { file: 'sprite.jpg', kind: 'sprite', contentType: 'image/jpeg', action: 'recording.sprite' },
];

export function derivativeRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  for (const { file, kind, contentType, action } of SERVED) {
    route(
      {
        method: 'get',
        path: `/recordings/:id/${file}`,
        summary: `the replay timeline's ${file}; 404 not_ready until made`,
        caller: 'user',
        guard: requireAuth(d.auth),
        params: idParam,
        responses: { 200: media(contentType, file) },
      },
      async (input, req: Request, res: Response) => {
        const { viewer } = authOf(res);
        const { id } = input.params;
        const rec = await d.repos.recordings.get(id);
        await enforce(d.audit, req, viewer, await d.playback.replayDecision(viewer, rec), action, rec.id);
        const ctx = contextOf(req);
        const event = { actor: `user:${viewer.id}`, action, subject: rec.id, address: ctx.address, userAgent: ctx.userAgent };
        const derivative = await d.repos.derivatives.find(rec.id, 0, kind);
        if (!derivative) {
          await d.audit.record({ ...event, outcome: 'refused', detail: { status: 404, reason: 'not_ready' } });
          res.status(404).json({ error: 'not_ready' });
          return;
        }
        const bytes = await d.store.get(derivative.object_key);
        if (sha256Hex(bytes) !== derivative.sha256) {
          await d.audit.record({ ...event, outcome: 'error', object: derivative.object_key, detail: { reason: 'integrity' } });
          throw markAudited(new IntegrityFailure(derivative.object_key));
        }
        await d.audit.record({ ...event, outcome: 'ok', object: derivative.object_key, bytes: bytes.length });
        res.type(contentType).send(bytes);
      },
    );
  }
  return r;
}
