/**
 * Grants: the admin's proposals of media roles, oversight roles and clearances, which a security
 * officer approves or rejects (never their own, never one they proposed); the admin and the auditor read them.
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { Grants } from '../auth/account-grants.ts';
import { mayDecideGrant, mayDecideGrants, mayReadAccounts } from '../policy/account-policy.ts';
import { allowedBy } from './allowed-by.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce } from './authenticate.ts';

const listQuery = z.object({ state: z.enum(['proposed', 'approved', 'rejected']).optional() });
const grantIdParam = z.string().regex(/^gr-[a-z0-9]{1,40}$/);
const rejectBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export function grantRoutes(d: ApiDeps): Router {
  const r = Router();
  const grants = new Grants(d.db, d.audit);

  r.get('/grants', ...allowedBy(d, 'grant.list', (v) => mayReadAccounts(v)), async (req, res) => {
    res.json({ grants: await grants.list(listQuery.parse(req.query).state) });
  });
  /** Loads the grant and enforces who may decide this one: the policy needs its account and its proposer. */
  const decidable = async (req: Request, res: Response, action: string) => {
    const viewer = authOf(res).viewer;
    const g = await grants.get(grantIdParam.parse(req.params.id));
    await enforce(d.audit, req, viewer, mayDecideGrant(viewer, { userId: g.user_id, proposedBy: g.proposed_by }), action, g.user_id);
    return { id: g.id, actor: `user:${viewer.id}` };
  };
  r.post('/grants/:id/approve', ...allowedBy(d, 'grant.approve', (v) => mayDecideGrants(v)), async (req, res) => {
    const { id, actor } = await decidable(req, res, 'grant.approve');
    res.json({ grant: await grants.approve(id, actor) });
  });
  r.post('/grants/:id/reject', ...allowedBy(d, 'grant.reject', (v) => mayDecideGrants(v)), async (req, res) => {
    const { reason } = rejectBody.parse(req.body);
    const { id, actor } = await decidable(req, res, 'grant.reject');
    res.json({ grant: await grants.reject(id, reason, actor) });
  });
  return r;
}
