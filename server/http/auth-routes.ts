import { Router } from 'express';
import { z } from 'zod';
import { Accounts } from '../auth/accounts.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const signInBody = z.object({ badge: z.string().min(1).max(64), password: z.string().min(1).max(200) });
const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) });
const passwordBody = z.object({ current: z.string().min(1).max(200), next: z.string().min(1).max(200) }).strict();

export function authRoutes(d: ApiDeps): Router {
  const r = Router();
  const accounts = new Accounts(d.db, d.audit, d.users);
  // What a session on a one-time password may still do: see who it is, change the password, leave.
  const beforePasswordChange = requireAuth(d.auth, { beforePasswordChange: true });
  r.post('/auth/sign-in', async (req, res) => {
    const { badge, password } = signInBody.parse(req.body);
    res.json(await d.auth.signIn(badge, password, contextOf(req)));
  });
  r.post('/auth/refresh', async (req, res) => {
    res.json(await d.auth.refresh(refreshBody.parse(req.body).refreshToken, contextOf(req)));
  });
  r.post('/auth/sign-out', beforePasswordChange, async (req, res) => {
    await d.auth.signOut(authOf(res), contextOf(req));
    res.status(204).end();
  });
  r.get('/me', beforePasswordChange, (_req, res) => {
    const { viewer, mustChangePassword } = authOf(res);
    const { clearances: _c, ...user } = viewer;
    res.json({ user, mustChangePassword });
  });
  r.post('/me/password', beforePasswordChange, async (req, res) => {
    const { current, next } = passwordBody.parse(req.body);
    const { viewer, authSessionId } = authOf(res);
    await accounts.changePassword(viewer.id, current, next, authSessionId);
    res.status(204).end();
  });
  return r;
}
