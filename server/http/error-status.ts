/** Domain errors → HTTP statuses, in one place. */
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Authenticated } from '../auth/auth-service.ts';
import { AccountLocked, LiuhenError, RateLimited, StateConflict, wasAudited } from '../errors.ts';
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
  locked: 423,
  rate_limited: 429,
  invalid_input: 400,
  user_exists: 409,
  not_recording: 409,
  recording_not_closed: 409,
  officer_has_bodycam: 409,
  integrity: 500,
  upload_too_large: 413,
  upload_offset_mismatch: 409,
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

/**
 * Every error response is a refusal the audit log must show; most were audited where they were
 * decided, the rest (bad input, unknown routes, oversize bodies) are audited here.
 */
export function errorHandler(audit: AuditLog, onInternal: (err: unknown) => void): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    const status = statusFor(err);
    if (status >= 500) onInternal(err);
    if (!wasAudited(err)) {
      const ctx = contextOf(req);
      const viewer = (res.locals.auth as Authenticated | undefined)?.viewer;
      await audit
        .record({
          actor: viewer ? `user:${viewer.id}` : 'anonymous', action: 'http.request', subject: `${req.method} ${req.path}`.slice(0, 200),
          outcome: status >= 500 ? 'error' : 'refused', address: ctx.address, userAgent: ctx.userAgent, detail: { status, reason: codeOf(err, status) },
        })
        .catch(onInternal);
    }
    const body: Record<string, unknown> = { error: codeOf(err, status) };
    if (err instanceof AccountLocked || err instanceof RateLimited) {
      body.retryAfterSeconds = err.retryAfterSeconds;
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
    }
    res.status(status).json(body);
  };
}
