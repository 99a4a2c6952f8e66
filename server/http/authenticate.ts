/**
 * Bearer-token check for /api routes. A refused request leaves a trace like any refusal of a
 * caller without identity: the error handler counts it for its address (error-status.ts).
 */
import type { NextFunction, Request, Response } from 'express';
import type { AuditAction } from '../audit/audit-actions.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Authenticated, AuthService } from '../auth/auth-service.ts';
import { PasswordChangeRequired } from '../auth/account-errors.ts';
import type { Viewer } from '../auth/user-registry.ts';
import { markAudited, NotAllowed } from '../errors.ts';
import type { Decision } from '../policy/policy.ts';
import { contextOf } from './request-context.ts';

/** The bearer token of a request, if it carries one. */
export function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/**
 * Refusals are not audited here: the error handler counts strangers' per address (refusal-limiter.ts).
 * A session still on a one-time password is refused everywhere (403 `password_change_required`,
 * audited as the user's) but where `beforePasswordChange` lets it in: /me, changing the password, sign-out.
 */
export function requireAuth(auth: AuthService, { beforePasswordChange = false } = {}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    try {
      const authenticated = await auth.authenticate(token, contextOf(req));
      res.locals.auth = authenticated;
      next(authenticated.mustChangePassword && !beforePasswordChange ? new PasswordChangeRequired() : undefined);
    } catch (e) {
      res.locals.refusalReason = token ? 'bad_token' : 'no_token';
      next(e);
    }
  };
}

export function authOf(res: Response): Authenticated {
  return res.locals.auth as Authenticated;
}

/** Throws NotAllowed after auditing the refusal when the policy says no. */
export async function enforce(audit: AuditLog, req: Request, viewer: Viewer, decision: Decision, action: AuditAction, subject: string | null = null): Promise<void> {
  if (decision.allow) return;
  const ctx = contextOf(req);
  await audit.record({ actor: `user:${viewer.id}`, action, subject, outcome: 'refused', address: ctx.address, userAgent: ctx.userAgent, detail: { reason: decision.reason } });
  throw markAudited(new NotAllowed(decision.reason));
}
