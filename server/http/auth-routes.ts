import { Router } from 'express';
import { z } from 'zod';
import { meSchema, tokensSchema } from './account-responses.ts';
import { contract, noBody } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const signInBody = z.object({ badge: z.string().min(1).max(64), password: z.string().min(1).max(200) });
const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) });
const passwordBody = z.object({ current: z.string().min(1).max(200), next: z.string().min(1).max(200) }).strict();

export function authRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  // What a session on a one-time password may still do: see who it is, change the password, leave.
  const beforePasswordChange = { caller: 'user', guard: requireAuth(d.auth, { beforePasswordChange: true }) } as const;

  route(
    {
      method: 'post',
      path: '/auth/sign-in',
      summary: 'a session for a badge and password (every attempt audited)',
      caller: 'anyone',
      body: signInBody,
      responses: { 200: tokensSchema },
    },
    async (input, req, res) => {
      res.json(await d.auth.signIn(input.body.badge, input.body.password, contextOf(req)));
    },
  );

  route(
    {
      method: 'post',
      path: '/auth/refresh',
      summary: "new tokens for a session's refresh token, which is used up",
      caller: 'anyone',
      body: refreshBody,
      responses: { 200: tokensSchema },
    },
    async (input, req, res) => {
      res.json(await d.auth.refresh(input.body.refreshToken, contextOf(req)));
    },
  );

  route({ ...beforePasswordChange, method: 'post', path: '/auth/sign-out', summary: 'the session ended', responses: { 204: noBody('signed out') } }, async (_input, req, res) => {
    await d.auth.signOut(authOf(res), contextOf(req));
    res.status(204).end();
  });

  route({ ...beforePasswordChange, method: 'get', path: '/me', summary: 'who is signed in, and whether they must change their password first', responses: { 200: meSchema } }, (_input, _req, res) => {
    const { viewer, mustChangePassword } = authOf(res);
    const { clearances: _c, ...user } = viewer;
    res.json({ user, mustChangePassword });
  });

  route(
    {
      ...beforePasswordChange,
      method: 'post',
      path: '/me/password',
      summary: "one's own password changed; every other session of the account ends",
      body: passwordBody,
      responses: { 204: noBody('changed') },
    },
    async (input, _req, res) => {
      const { current, next } = input.body;
      const { viewer, authSessionId } = authOf(res);
      await d.accounts.changePassword(viewer.id, current, next, authSessionId);
      res.status(204).end();
    },
  );
  return r;
}
