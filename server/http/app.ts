/**
 * The HTTP face: the viewing API under /api, signed playback under /play, the player's static
 * files, liveness, readiness and metrics. Every error is mapped to a status in error-status.ts.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Readiness } from '../observability/readiness.ts';
import { adminRoutes } from './admin-routes.ts';
import { contract, openApiDocument, type ResponseCheck, responseCheck } from './api-contract.ts';
import { grantRoutes } from './grant-routes.ts';
import { deviceAdminRoutes } from './device-admin-routes.ts';
import { retentionRoutes } from './retention-routes.ts';
import type { ApiDeps } from './api-deps.ts';
import { bearerToken } from './authenticate.ts';
import { deviceCredentials } from './authenticate-device.ts';
import { analyticsRoutes } from './analytics-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { caseRoutes } from './case-routes.ts';
import { derivativeRoutes } from './derivative-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { errorHandler } from './error-status.ts';
import { exportRoutes } from './export-routes.ts';
import { LiuhenError, RateLimited, RouteNotFound } from '../errors.ts';
import { jobRoutes } from './job-routes.ts';
import { liveRoutes } from './live-routes.ts';
import { partyRoutes } from './party-routes.ts';
import { playbackSessionRoutes, playRoutes } from './playback-routes.ts';
import { PLAYBACK_PATH } from '../playback/playback-service.ts';
import { recordingRoutes } from './recording-routes.ts';
import { redactionRoutes } from './redaction-routes.ts';
import { pageRoutes, probeRoutes } from './root-routes.ts';
import type { RefusalLimiter } from './refusal-limiter.ts';
import { contextOf } from './request-context.ts';
import { tusRoutes } from '../uploads/tus-routes.ts';

export const PLAYER_DIST = path.resolve(import.meta.dirname, '../../player/dist');

export interface AppDeps {
  metrics: Metrics;
  /** database, store, Redis, disk reserve and ingest, for /readyz */
  ready: () => Promise<Readiness>;
  /** counts and limits refusals of requests without a valid identity */
  refusals: RefusalLimiter;
  api: ApiDeps;
  /** whether answers are held to their routes' declared schemas (api-contract.ts) */
  responseCheck: ResponseCheck;
  onInternalError: (err: unknown) => void;
  /** load balancers whose X-Forwarded-For is believed; empty: the socket's address is the client's */
  trustedProxies: string[];
}

/** What a node without the api role serves: its probes, for the machines that watch it. */
export type ProbeFace = Omit<AppDeps, 'api'> & { audit: AuditLog };

/** Every HTTP face begins alike: proxies, the answers' check, the security headers, the probes. */
function httpFace(deps: Omit<AppDeps, 'api'>) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustedProxies.length > 0 ? deps.trustedProxies : false);
  app.use(responseCheck(deps.responseCheck, deps.onInternalError));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Playback URLs carry signatures: never hand them to another site in a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "default-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    next();
  });
  app.use(probeRoutes(deps));
  return app;
}

/** ...and ends alike: any other path is 404, and every error gets its status, counted or audited. */
function endOfFace(app: express.Express, deps: Omit<AppDeps, 'api'>, audit: AuditLog) {
  app.use((req) => {
    throw new RouteNotFound(req.path);
  });
  app.use(errorHandler(audit, deps.refusals, deps.onInternalError));
  return app;
}

/**
 * The HTTP face of an ingest or worker node (`--roles` without api): liveness, readiness and
 * metrics only. Those processes record and derive; their seal lag, retries and event-loop delay
 * are theirs, and an api process's /metrics cannot show them. Nothing else answers here.
 */
export function createProbeApp(deps: ProbeFace) {
  return endOfFace(httpFace(deps), deps, deps.audit);
}

export function createHttpApp(deps: AppDeps) {
  const app = httpFace(deps);
  // An address past its refusal limit is answered 429 before anything else looks at the request,
  // so services that audit refusals themselves (sign-in, signed playback URLs) are not reached;
  // a caller that proves who it is still gets through.
  app.use(async (req, _res, next) => {
    const wait = deps.refusals.retryAfter(contextOf(req).address);
    next(wait > 0 && !(await hasIdentity(req, deps.api)) ? new RateLimited(wait) : undefined);
  });

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '16kb', verify: refuseInvalidUtf8 }));
  // The contract holds no data: anyone may read it.
  contract(api)(
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'this document: the OpenAPI 3.1 contract of every declared route',
      caller: 'anyone',
      responses: { 200: z.object({ openapi: z.literal('3.1.0') }).passthrough() },
    },
    (_input, req, res) => void res.json(openApiDocument(req.app)),
  );
  for (const routes of [
    authRoutes,
    liveRoutes,
    derivativeRoutes,
    recordingRoutes,
    playbackSessionRoutes,
    auditRoutes,
    adminRoutes,
    grantRoutes,
    deviceAdminRoutes,
    deviceRoutes,
    tusRoutes,
    exportRoutes,
    jobRoutes,
    caseRoutes,
    redactionRoutes,
    partyRoutes,
    analyticsRoutes,
  ])
    api.use(routes(deps.api));
  api.use(retentionRoutes(deps.api));
  api.use((req) => {
    throw new RouteNotFound(req.path);
  });
  app.use('/api', api);

  const play = playRoutes(deps.api);
  app.use(
    PLAYBACK_PATH,
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'private, no-store');
      next();
    },
    play,
  );

  const built = fs.existsSync(PLAYER_DIST);
  // The page itself is a declared route (root-routes.ts); the files it loads are static.
  if (built) app.use(express.static(PLAYER_DIST, { index: false, dotfiles: 'deny', fallthrough: true }));
  app.use(pageRoutes(built ? PLAYER_DIST : undefined));
  return endOfFace(app, deps, deps.api.audit);
}

/** The JSON parser would decode bad bytes as U+FFFD and store the replacement as if it were said. */
function refuseInvalidUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new LiuhenError('invalid_utf8', 'request body is not valid UTF-8');
}

/** Whether the request carries a user token or device credential that holds. */
async function hasIdentity(req: express.Request, api: ApiDeps): Promise<boolean> {
  const token = bearerToken(req);
  if (token)
    return api.auth.authenticate(token).then(
      () => true,
      () => false,
    );
  const device = deviceCredentials(req);
  return device ? api.gate.check(device.deviceId, device.credential).ok : false;
}
