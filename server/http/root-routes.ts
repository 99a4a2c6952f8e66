/**
 * What is served outside /api: liveness, readiness and metrics for the machines that watch the
 * server, the favicon browsers ask for, and the player's page. Declared like every route, so the
 * OpenAPI document names them too.
 */
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../observability/metrics.ts';
import type { Readiness } from '../observability/readiness.ts';
import { contract, media, noBody } from './api-contract.ts';

const checkSchema = z.object({ ok: z.boolean(), message: z.string() }).strict();
const readinessSchema = z
  .object({
    ok: z.boolean(),
    checks: z.object({ database: checkSchema, store: checkSchema, redis: checkSchema, disk: checkSchema, ingest: checkSchema }).strict(),
  })
  .strict();

/** Mounted before the refusal limiter: a watcher is never turned away for others' refusals. */
export function probeRoutes(deps: { metrics: Metrics; ready: () => Promise<Readiness> }): Router {
  const r = Router();
  const route = contract(r);
  // Liveness: answering at all shows the process is up and its event loop turning. It asks
  // nothing else, so a database or Redis outage never gets a working server restarted.
  route(
    {
      method: 'get',
      path: '/healthz',
      summary: 'liveness: the process answers',
      caller: 'anyone',
      responses: { 200: z.object({ ok: z.literal(true) }).strict() },
    },
    (_input, _req, res) => void res.json({ ok: true }),
  );

  route(
    {
      method: 'get',
      path: '/readyz',
      summary: 'readiness: whether the server can take and keep evidence now, part by part',
      caller: 'anyone',
      responses: { 200: readinessSchema, 503: readinessSchema.describe('a part is down: its check says why') },
    },
    async (_input, _req, res) => {
      const readiness = await deps.ready();
      res.status(readiness.ok ? 200 : 503).json(readiness);
    },
  );

  route(
    {
      method: 'get',
      path: '/metrics',
      summary: 'metrics for Prometheus',
      caller: 'anyone',
      responses: { 200: media('text/plain', 'the Prometheus text exposition format') },
    },
    async (_input, _req, res) => {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );
  return r;
}

/** `dist`: the built player, or undefined before `npm run build:player`. */
export function pageRoutes(dist: string | undefined): Router {
  const r = Router();
  const route = contract(r);
  // Browsers and bookmark tools ask for /favicon.ico whatever the page says.
  route(
    {
      method: 'get',
      path: '/favicon.ico',
      summary: "the player's icon, which is an SVG",
      caller: 'anyone',
      responses: { 301: noBody('to /favicon.svg') },
    },
    (_input, _req, res) => res.redirect(301, '/favicon.svg'),
  );

  route(
    {
      method: 'get',
      path: '/',
      summary: "the player's page",
      caller: 'anyone',
      responses: { 200: media('text/html', 'the player; before it is built (npm run build:player), a line of text/plain saying so') },
    },
    (_input, _req, res) => {
      if (dist) res.sendFile(path.join(dist, 'index.html'));
      else res.type('text/plain; charset=utf-8').send('留痕 liuhen：播放器尚未构建（npm run build:player）\n');
    },
  );
  return r;
}
