/**
 * The HTTP face. For now: health and metrics; viewing (issue 3) hangs off this app. Every error
 * is mapped to a status in one place.
 */
import express, { type ErrorRequestHandler } from 'express';
import { LiuhenError } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';

export function createHttpApp(deps: { metrics: Metrics; health: () => Promise<Record<string, unknown>> }) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));
  app.get('/healthz', async (_req, res) => {
    res.json({ ok: true, ...(await deps.health()) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = err instanceof LiuhenError ? 400 : typeof err?.status === 'number' ? err.status : 500;
    res.status(status).json({ error: err instanceof LiuhenError ? err.code : status >= 500 ? 'internal' : 'bad_request' });
  };
  app.use(onError);
  return app;
}
