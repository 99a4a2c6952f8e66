/**
 * Accounts: the admin creates, changes, resets, disables and enables them (never their own); the
 * security officer and the auditor read them too. What the admin may not give alone becomes a
 * grant (grant-routes.ts). Nothing here touches media, and no account is ever deleted.
 */
import type { AuditAction } from '../audit/audit-actions.ts';
import { type Response, Router } from 'express';
import { z } from 'zod';
import { newUserSchema } from '../auth/user-registry.ts';
import { CONFIDENTIALITY_LABELS, type Confidentiality, ROLES, type Role } from '../db/schema.ts';
import { mayManageAccount, mayReadAccounts } from '../policy/account-policy.ts';
import { accountHistorySchema, grantSchema, userCreatedSchema, userSchema, userViewSchema } from './account-responses.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { allowedBy } from './allowed-by.ts';
import { authOf } from './authenticate.ts';
import { contextOf } from './request-context.ts';

/** The one-time password is always generated: no administrator chooses another person's password. */
const createBody = newUserSchema.omit({ password: true }).strict();
const grantBody = z
  .object({
    role: z.enum(ROLES as [Role, ...Role[]]).optional(),
    clearances: z.array(z.enum(CONFIDENTIALITY_LABELS as [Confidentiality, ...Confidentiality[]])).optional(),
  })
  .strict();
const disableBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
const userParam = z.object({ id: z.string().regex(/^usr-[a-z0-9]{1,40}$/) });
/** An act that took effect at once (200 `{ user }`) or waits for a security officer (202 `{ grant }`). */
const appliedResponses = { 200: userSchema, 202: grantSchema };

export function adminRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  const actor = (res: Response) => `user:${authOf(res).viewer.id}`;
  const read = (action: AuditAction) => allowedBy(d, action, (v) => mayReadAccounts(v));
  const manage = (action: AuditAction) => allowedBy(d, action, (v, req) => mayManageAccount(v, typeof req.params.id === 'string' ? req.params.id : null));
  const subject = async (id: string) => (await d.users.get(id)).id;
  const onUser = { caller: 'user', params: userParam } as const;

  route(
    {
      method: 'get',
      path: '/users',
      summary: 'every account (admin, security officer, auditor)',
      caller: 'user',
      guard: read('user.list'),
      responses: { 200: z.object({ users: z.array(userViewSchema) }).strict() },
    },
    async (_input, _req, res) => {
      res.json({ users: await d.users.list() });
    },
  );

  route(
    {
      method: 'post',
      path: '/users',
      summary: 'a new account with a one-time password (admin); a media role or a clearance waits for a security officer',
      caller: 'user',
      guard: manage('user.add'),
      body: createBody,
      responses: { 201: userCreatedSchema },
    },
    async (input, _req, res) => {
      res.status(201).json(await d.accounts.create(input.body, actor(res)));
    },
  );

  route(
    {
      ...onUser,
      method: 'post',
      path: '/users/:id/grants',
      summary: "an account's role or clearances changed (admin): taking away at once, giving proposed",
      guard: manage('user.grant'),
      body: grantBody,
      responses: appliedResponses,
    },
    async (input, _req, res) => {
      const { user, grant } = await d.accounts.change(await subject(input.params.id), input.body, actor(res));
      if (grant) res.status(202).json({ grant });
      else res.json({ user });
    },
  );

  route(
    {
      ...onUser,
      method: 'post',
      path: '/users/:id/reset',
      summary: 'a new one-time password (admin); every session of the account ends. An account that sees media or oversees the admin: proposed, and the approving security officer receives it',
      guard: manage('user.reset'),
      responses: { 200: z.object({ password: z.string().describe('the one-time password, shown this once') }).strict(), 202: grantSchema },
    },
    async (input, _req, res) => {
      const { password, grant } = await d.accounts.reset(await subject(input.params.id), actor(res));
      if (grant) res.status(202).json({ grant });
      else res.json({ password });
    },
  );

  route(
    {
      ...onUser,
      method: 'post',
      path: '/users/:id/disable',
      summary: 'an account disabled at once (admin); its sessions end',
      guard: manage('user.disable'),
      body: disableBody,
      responses: { 200: userSchema },
    },
    async (input, _req, res) => {
      const { reason } = input.body;
      res.json({ user: await d.accounts.disable(await subject(input.params.id), reason, actor(res)) });
    },
  );

  route(
    {
      ...onUser,
      method: 'post',
      path: '/users/:id/enable',
      summary: 'a disabled account enabled (admin): at once, or proposed when its role or clearances need a second person',
      guard: manage('user.enable'),
      responses: appliedResponses,
    },
    async (input, _req, res) => {
      const { user, grant } = await d.accounts.enable(await subject(input.params.id), actor(res));
      if (grant) res.status(202).json({ grant });
      else res.json({ user });
    },
  );

  route(
    {
      ...onUser,
      method: 'get',
      path: '/users/:id/history',
      summary: "an account's sign-ins and the audit events it did or was the subject of; reading it is audited",
      guard: read('user.history'),
      responses: { 200: accountHistorySchema },
    },
    async (input, req, res) => {
      const id = await subject(input.params.id);
      // Reading who did what is itself an access worth recording, as reading the audit log is.
      const ctx = contextOf(req);
      await d.audit.record({ actor: actor(res), action: 'user.history', subject: id, outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent });
      res.json(await d.accounts.history(id));
    },
  );
  return r;
}
