/**
 * Device credential check for the device API (health reports, notice markers, offline uploads).
 * Devices authenticate with the credential issued at registration, never with a user token:
 * `Authorization: Device <deviceId>:<credential>`. Failed guesses are limited per address like
 * sign-ins. A refusal is counted for its address by the error handler (error-status.ts) with the
 * claimed device in its reason: the claim is the caller's word, not an identity to audit under.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Device } from '../db/schema.ts';
import { NotAuthenticated, RateLimited } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { contextOf } from './request-context.ts';

const SCHEME = /^Device ([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,128})$/;

/** The device id and credential a request claims (`Authorization: Device <id>:<credential>`). */
export function deviceCredentials(req: Request): { deviceId: string; credential: string } | undefined {
  const match = SCHEME.exec(req.get('authorization') ?? '');
  return match ? { deviceId: match[1]!, credential: match[2]! } : undefined;
}

/** Refusals are not audited here: the error handler counts strangers' per address (refusal-limiter.ts). */
export function requireDevice({ gate, deviceFailures }: Pick<ApiDeps, 'gate' | 'deviceFailures'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const ctx = contextOf(req);
    const claimed = deviceCredentials(req);
    const decision = claimed ? gate.check(claimed.deviceId, claimed.credential) : ({ ok: false, reason: 'no_credential' } as const);
    if (decision.ok) {
      res.locals.device = decision.device;
      next();
      return;
    }
    res.locals.refusalReason = claimed ? `${decision.reason} device:${claimed.deviceId}` : decision.reason;
    try {
      const wait = await deviceFailures.hit(ctx.address ?? 'unknown');
      next(wait > 0 ? new RateLimited(wait) : new NotAuthenticated('bad_credentials', 'device credential refused'));
    } catch (err) {
      next(err);
    }
  };
}

export function deviceOf(res: Response): Device {
  return res.locals.device as Device;
}
