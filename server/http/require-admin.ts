import type { AuditAction } from '../audit/audit-actions.ts';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { mayAdminister } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';

/** Signed in as an administrator, else refused and audited under `action`. */
export function requireAdmin(d: ApiDeps, action: AuditAction): RequestHandler[] {
  return [
    requireAuth(d.auth),
    async (req: Request, res: Response, next: NextFunction) => {
      await enforce(d.audit, req, authOf(res).viewer, mayAdminister(authOf(res).viewer), action);
      next();
    },
  ];
}
