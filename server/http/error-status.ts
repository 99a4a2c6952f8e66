/** Domain errors → HTTP statuses, in one place. */
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { AccountLocked, LiuhenError, RateLimited } from '../errors.ts';

const STATUS: Record<string, number> = {
  unauthenticated: 401,
  bad_credentials: 401,
  forbidden: 403,
  locked: 423,
  rate_limited: 429,
  invalid_input: 400,
  user_exists: 409,
  integrity: 500,
};

export function statusFor(err: unknown): number {
  if (err instanceof ZodError) return 400;
  if (err instanceof LiuhenError) return STATUS[err.code] ?? (err.code.endsWith('not_found') ? 404 : 400);
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

export function errorHandler(onInternal: (err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const status = statusFor(err);
    if (status >= 500) onInternal(err);
    const body: Record<string, unknown> = {
      error: err instanceof ZodError ? 'invalid_input' : err instanceof LiuhenError ? err.code : status === 413 ? 'too_large' : status >= 500 ? 'internal' : 'bad_request',
    };
    if (err instanceof AccountLocked || err instanceof RateLimited) {
      body.retryAfterSeconds = err.retryAfterSeconds;
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
    }
    res.status(status).json(body);
  };
}
