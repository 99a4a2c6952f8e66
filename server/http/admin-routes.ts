/**
 * Accounts: the admin creates, changes, resets, disables and enables them (never their own); the
 * security officer and the auditor read them too. What the admin may not give alone becomes a
 * grant (grant-routes.ts). Nothing here touches media, and no account is ever deleted.
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { accountHistory } from '../auth/account-history.ts';
import { Accounts } from '../auth/accounts.ts';
import { newUserSchema } from '../auth/user-registry.ts';
import { CONFIDENTIALITY_LABELS, type Confidentiality, ROLES, type Role } from '../db/schema.ts';
import { mayManageAccount, mayReadAccounts } from '../policy/account-policy.ts';
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
const userIdParam = z.string().regex(/^usr-[a-z0-9]{1,40}$/);

export function adminRoutes(d: ApiDeps): Router {
  const r = Router();
  const accounts = new Accounts(d.db, d.audit, d.users);
  const actor = (res: Response) => `user:${authOf(res).viewer.id}`;
  const read = (action: string) => allowedBy(d, action, (v) => mayReadAccounts(v));
  const manage = (action: string) => allowedBy(d, action, (v, req) => mayManageAccount(v, typeof req.params.id === 'string' ? req.params.id : null));
  const subject = async (req: Request) => (await d.users.get(userIdParam.parse(req.params.id))).id;

  r.get('/users', ...read('user.list'), async (_req, res) => {
    res.json({ users: await d.users.list() });
  });
  r.post('/users', ...manage('user.add'), async (req, res) => {
    res.status(201).json(await accounts.create(createBody.parse(req.body), actor(res)));
  });
  r.post('/users/:id/grants', ...manage('user.grant'), async (req, res) => {
    const { user, grant } = await accounts.change(await subject(req), grantBody.parse(req.body), actor(res));
    if (grant) res.status(202).json({ grant });
    else res.json({ user });
  });
  r.post('/users/:id/reset', ...manage('user.reset'), async (req, res) => {
    res.json({ password: await accounts.reset(await subject(req), actor(res)) });
  });
  r.post('/users/:id/disable', ...manage('user.disable'), async (req, res) => {
    const { reason } = disableBody.parse(req.body);
    res.json({ user: await accounts.disable(await subject(req), reason, actor(res)) });
  });
  r.post('/users/:id/enable', ...manage('user.enable'), async (req, res) => {
    const { user, grant } = await accounts.enable(await subject(req), actor(res));
    if (grant) res.status(202).json({ grant });
    else res.json({ user });
  });
  r.get('/users/:id/history', ...read('user.history'), async (req, res) => {
    const id = await subject(req);
    // Reading who did what is itself an access worth recording, as reading the audit log is.
    const ctx = contextOf(req);
    await d.audit.record({ actor: actor(res), action: 'user.history', subject: id, outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent });
    res.json(await accountHistory(d.db, id));
  });
  return r;
}
