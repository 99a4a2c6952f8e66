/** Domain errors → HTTP statuses, in one place. */
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Authenticated } from '../auth/auth-service.ts';
import type { Device } from '../db/schema.ts';
import { AccountLocked, ExplainedRefusal, LiuhenError, RateLimited, StateConflict, wasAudited } from '../errors.ts';
import type { RefusalLimiter } from './refusal-limiter.ts';
import { contextOf } from './request-context.ts';

function codeOf(err: unknown, status: number): string {
  if (err instanceof ZodError) return 'invalid_input';
  if (err instanceof LiuhenError) return err.code;
  return status === 413 ? 'too_large' : status >= 500 ? 'internal' : 'bad_request';
}

const STATUS: Record<string, number> = {
  unauthenticated: 401,
  bad_credentials: 401,
  forbidden: 403,
  password_change_required: 403,
  wrong_password: 403,
  account_disabled: 401,
  awaiting_approval: 401,
  session_idle: 401,
  locked: 423,
  rate_limited: 429,
  invalid_input: 400,
  invalid_utf8: 400,
  user_exists: 409,
  not_recording: 409,
  recording_not_closed: 409,
  officer_has_bodycam: 409,
  integrity: 500,
  upload_too_large: 413,
  // Not the file's fault, and not for ever (RFC 4918 §11.5; RFC 4331 §6 for quotas): the device keeps it and tries later.
  upload_quota_exceeded: 507,
  insufficient_storage: 507,
  upload_offset_mismatch: 409,
  // Gone from here for good: a tus client that resumes from a stored URL starts the upload anew on a 410.
  upload_elsewhere: 410,
  upload_content_type: 415,
  tus_version_unsupported: 412,
};

export function statusFor(err: unknown): number {
  if (err instanceof ZodError) return 400;
  if (err instanceof StateConflict) return 409;
  if (err instanceof LiuhenError) return STATUS[err.code] ?? (err.code.endsWith('not_found') ? 404 : 400);
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/** Query parameters whose values are capabilities or secrets: named in the audit, never copied. */
const SECRET_PARAM = /sig|token|key|password|secret|credential/i;

/**
 * What was asked, for the audit: the method and the whole URL as the client sent it (a router's
 * `req.path` has lost its mount point: `/api/exports/x` and `/api/recordings/x` were both `/x`),
 * query included with secret values blanked, capped in length. `withQuery: false` for the refusal
 * limiter's sample, which counts refusals by kind: every probe's own query would be a kind.
 */
function routeOf(req: { method: string; originalUrl: string }, withQuery = true): string {
  const [path = '', query] = req.originalUrl.split(/\?(.*)/s, 2);
  const blank = (p: string) => (SECRET_PARAM.test(p.split('=')[0] ?? '') && p.includes('=') ? `${p.split('=')[0]}=…` : p);
  const params = query === undefined || !withQuery ? '' : '?' + query.split('&').map(blank).join('&');
  return `${req.method} ${path}${params}`.slice(0, 300);
}

/**
 * Every error response is a refusal the audit log must show. Those of a signed-in user or an
 * authenticated device were mostly audited where they were decided, the rest (bad input, unknown
 * routes, oversize bodies) are audited here one by one: insiders' refusals need their detail.
 * Refusals of requests with no valid identity are counted by the refusal limiter instead, which
 * reports them per address and window and answers 429 past its limit.
 */
export function errorHandler(audit: AuditLog, refusals: RefusalLimiter, onInternal: (err: unknown) => void): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    let status = statusFor(err);
    let code = codeOf(err, status);
    if (status >= 500) onInternal(err);
    const ctx = contextOf(req);
    const viewer = (res.locals.auth as Authenticated | undefined)?.viewer;
    const device = res.locals.device as Device | undefined;
    let retryAfterSeconds = err instanceof AccountLocked || err instanceof RateLimited ? err.retryAfterSeconds : undefined;
    if (!viewer && !device && status < 500) {
      const reason = (res.locals.refusalReason as string | undefined) ?? code;
      const wait = refusals.refused(ctx.address, { route: routeOf(req, false), status, reason, userAgent: ctx.userAgent });
      if (wait > 0) [status, code, retryAfterSeconds] = [429, 'rate_limited', wait];
    } else if (!wasAudited(err)) {
      await audit
        .record({
          actor: viewer ? `user:${viewer.id}` : device ? `device:${device.id}` : 'anonymous',
          action: 'http.request',
          subject: routeOf(req),
          outcome: status >= 500 ? 'error' : 'refused',
          address: ctx.address,
          userAgent: ctx.userAgent,
          detail: { status, reason: code },
        })
        .catch(onInternal);
    }
    const body: Record<string, unknown> = { error: code };
    if (err instanceof ExplainedRefusal && code === err.code) body.message = err.message;
    if (retryAfterSeconds !== undefined) {
      body.retryAfterSeconds = retryAfterSeconds;
      res.setHeader('Retry-After', String(retryAfterSeconds));
    }
    res.status(status).json(body);
  };
}
