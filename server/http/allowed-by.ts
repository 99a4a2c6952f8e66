import type { AuditAction } from '../audit/audit-actions.ts';
import type { Request, RequestHandler } from 'express';
import type { Viewer } from '../auth/user-registry.ts';
import type { Decision } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';

/** Signed in, and allowed by `decide`; a refusal is audited under `action`, with the `:id` asked about as subject. */
export function allowedBy(d: ApiDeps, action: AuditAction, decide: (v: Viewer, req: Request) => Decision): RequestHandler[] {
  return [
    requireAuth(d.auth),
    async (req, res, next) => {
      const viewer = authOf(res).viewer;
      await enforce(d.audit, req, viewer, decide(viewer, req), action, typeof req.params.id === 'string' ? req.params.id : null);
      next();
    },
  ];
}
