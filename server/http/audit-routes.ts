import { Router } from 'express';
import { z } from 'zod';
import { auditEventView } from '../audit/audit-event-view.ts';
import { mayReadAudit } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { contract } from './api-contract.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const auditQuery = z.object({
  viewer: z.string().max(64).optional(),
  recording: z.string().max(64).optional(),
  since: z.string().datetime().optional(),
  limit: z.coerce.number().int().positive().max(5000).default(500),
});

export const auditEventSchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string().nullable(),
    outcome: z.enum(['ok', 'refused', 'error']),
    address: z.string().nullable(),
    userAgent: z.string().nullable(),
    sessionId: z.string().nullable(),
    object: z.string().nullable(),
    bytes: z.number().nullable(),
    detail: z.record(z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .strict();

export function auditRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  route(
    {
      method: 'get',
      path: '/audit',
      summary: 'audit events, oldest first (auditor); reading them is audited',
      caller: 'user',
      guard: requireAuth(d.auth),
      query: auditQuery,
      responses: { 200: z.object({ events: z.array(auditEventSchema) }).strict() },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      await enforce(d.audit, req, viewer, mayReadAudit(viewer), 'audit.read');
      const q = input.query;
      // Reading the audit log is itself an access worth recording.
      const ctx = contextOf(req);
      await d.audit.record({ actor: `user:${viewer.id}`, action: 'audit.read', outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent, detail: q });
      const events = await d.audit.query({ actor: q.viewer ? `user:${q.viewer}` : undefined, subject: q.recording, since: q.since, limit: q.limit });
      res.json({ events: events.map(auditEventView) });
    },
  );
  return r;
}
