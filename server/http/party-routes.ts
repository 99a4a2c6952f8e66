import { Router } from 'express';
import type { ApiDeps } from './api-deps.ts';

export function partyRoutes(_d: ApiDeps): Router {
  return Router();
}
