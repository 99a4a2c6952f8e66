import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from './api-deps.ts';
import { authOf, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const signInBody = z.object({ badge: z.string().min(1).max(64), password: z.string().min(1).max(200) });
const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) });

export function authRoutes(d: ApiDeps): Router {
  const r = Router();
  r.post('/auth/sign-in', async (req, res) => {
    const { badge, password } = signInBody.parse(req.body);
    res.json(await d.auth.signIn(badge, password, contextOf(req)));
  });
  r.post('/auth/refresh', async (req, res) => {
    res.json(await d.auth.refresh(refreshBody.parse(req.body).refreshToken, contextOf(req)));
  });
  r.post('/auth/sign-out', requireAuth(d.auth), async (req, res) => {
    await d.auth.signOut(authOf(res), contextOf(req));
    res.status(204).end();
  });
  r.get('/me', requireAuth(d.auth), (_req, res) => {
    const { clearances: _c, ...user } = authOf(res).viewer;
    res.json({ user });
  });
  return r;
}
