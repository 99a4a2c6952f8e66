import { Router } from 'express';
import { z } from 'zod';
import { auditEventView } from '../audit/audit-event-view.ts';
import { mayReadAudit } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const auditQuery = z.object({
  viewer: z.string().max(64).optional(),
  recording: z.string().max(64).optional(),
  since: z.string().datetime().optional(),
  limit: z.coerce.number().int().positive().max(5000).default(500),
});

export function auditRoutes(d: ApiDeps): Router {
  const r = Router();
  r.get('/audit', requireAuth(d.auth), async (req, res) => {
    const { viewer } = authOf(res);
    await enforce(d.audit, req, viewer, mayReadAudit(viewer), 'audit.read');
    const q = auditQuery.parse(req.query);
    // Reading the audit log is itself an access worth recording.
    const ctx = contextOf(req);
    await d.audit.record({ actor: `user:${viewer.id}`, action: 'audit.read', outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent, detail: q });
    const events = await d.audit.query({ actor: q.viewer ? `user:${q.viewer}` : undefined, subject: q.recording, since: q.since, limit: q.limit });
    res.json({ events: events.map(auditEventView) });
  });
  return r;
}
