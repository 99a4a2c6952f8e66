/**
 * The HTTP face: the viewing API under /api, signed playback under /play, the player's static
 * files, health and metrics. Every error is mapped to a status in error-status.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Metrics } from '../observability/metrics.ts';
import { adminRoutes } from './admin-routes.ts';
import type { ApiDeps } from './api-deps.ts';
import { analyticsRoutes } from './analytics-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { caseRoutes } from './case-routes.ts';
import { derivativeRoutes } from './derivative-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { errorHandler } from './error-status.ts';
import { exportRoutes } from './export-routes.ts';
import { RouteNotFound } from '../errors.ts';
import { jobRoutes } from './job-routes.ts';
import { liveRoutes } from './live-routes.ts';
import { partyRoutes } from './party-routes.ts';
import { playbackSessionRoutes, playRoutes } from './playback-routes.ts';
import { PLAYBACK_PATH } from '../playback/playback-service.ts';
import { recordingRoutes } from './recording-routes.ts';
import { redactionRoutes } from './redaction-routes.ts';
import { tusRoutes } from '../uploads/tus-routes.ts';

export const PLAYER_DIST = path.resolve(import.meta.dirname, '../../player/dist');

export interface AppDeps {
  metrics: Metrics;
  health: () => Promise<Record<string, unknown>>;
  api: ApiDeps;
  onInternalError: (err: unknown) => void;
}

export function createHttpApp(deps: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Playback URLs carry signatures: never hand them to another site in a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    next();
  });
  app.get('/healthz', async (_req, res) => {
    res.json({ ok: true, ...(await deps.health()) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '16kb' }));
  for (const routes of [authRoutes, liveRoutes, derivativeRoutes, recordingRoutes, playbackSessionRoutes, auditRoutes, adminRoutes, deviceRoutes, tusRoutes, exportRoutes, jobRoutes, caseRoutes, redactionRoutes, partyRoutes, analyticsRoutes]) api.use(routes(deps.api));
  api.use((req) => {
    throw new RouteNotFound(req.path);
  });
  app.use('/api', api);

  const play = playRoutes(deps.api);
  app.use(PLAYBACK_PATH, (_req, res, next) => {
    res.setHeader('Cache-Control', 'private, no-store');
    next();
  }, play);

  if (fs.existsSync(PLAYER_DIST)) app.use(express.static(PLAYER_DIST, { index: 'index.html', dotfiles: 'deny', fallthrough: true }));
  else app.get('/', (_req, res) => void res.type('text/plain; charset=utf-8').send('留痕 liuhen：播放器尚未构建（npm run build:player）\n'));
  app.use((req) => {
    throw new RouteNotFound(req.path);
  });
  app.use(errorHandler(deps.api.audit, deps.onInternalError));
  return app;
}
