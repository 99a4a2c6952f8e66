import { Router } from 'express';
import type { ApiDeps } from './api-deps.ts';

export function analyticsRoutes(_d: ApiDeps): Router {
  return Router();
}
