/**
 * Grants: the admin's proposals of media roles, oversight roles and clearances, which a security
 * officer approves or rejects (never their own, never one they proposed); the admin and the auditor read them.
 */
import type { AuditAction } from '../audit/audit-actions.ts';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { mayDecideGrant, mayDecideGrants, mayReadAccounts } from '../policy/account-policy.ts';
import { grantSchema, grantViewSchema } from './account-responses.ts';
import { allowedBy } from './allowed-by.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce } from './authenticate.ts';

const listQuery = z.object({ state: z.enum(['proposed', 'approved', 'rejected']).optional() });
const grantParam = z.object({ id: z.string().regex(/^gr-[a-z0-9]{1,40}$/) });
const rejectBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export function grantRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);

  route(
    {
      method: 'get',
      path: '/grants',
      summary: 'grants, newest first (security officer, admin, auditor)',
      caller: 'user',
      guard: allowedBy(d, 'grant.list', (v) => mayReadAccounts(v)),
      query: listQuery,
      responses: { 200: z.object({ grants: z.array(grantViewSchema) }).strict() },
    },
    async (input, _req, res) => {
      res.json({ grants: await d.accounts.grants.list(input.query.state) });
    },
  );

  /** Loads the grant and enforces who may decide this one: the policy needs its account and its proposer. */
  const decidable = async (req: Request, res: Response, grantId: string, action: AuditAction) => {
    const viewer = authOf(res).viewer;
    const g = await d.accounts.grants.get(grantId);
    await enforce(d.audit, req, viewer, mayDecideGrant(viewer, { userId: g.user_id, proposedBy: g.proposed_by }), action, g.user_id);
    return { id: g.id, actor: `user:${viewer.id}` };
  };
  const onGrant = { caller: 'user', params: grantParam, responses: { 200: grantSchema } } as const;

  route(
    {
      ...onGrant,
      method: 'post',
      path: '/grants/:id/approve',
      summary: 'a proposed grant approved and applied (security officer)',
      guard: allowedBy(d, 'grant.approve', (v) => mayDecideGrants(v)),
      responses: { 200: grantSchema.extend({ password: z.string().optional().describe("a reset's one-time password, shown this once to the approver to hand over") }) },
    },
    async (input, req, res) => {
      const { id, actor } = await decidable(req, res, input.params.id, 'grant.approve');
      res.json(await d.accounts.approve(id, actor));
    },
  );

  route(
    {
      ...onGrant,
      method: 'post',
      path: '/grants/:id/reject',
      summary: 'a proposed grant rejected, with a reason (security officer)',
      guard: allowedBy(d, 'grant.reject', (v) => mayDecideGrants(v)),
      body: rejectBody,
    },
    async (input, req, res) => {
      const { reason } = input.body;
      const { id, actor } = await decidable(req, res, input.params.id, 'grant.reject');
      res.json({ grant: await d.accounts.grants.reject(id, reason, actor) });
    },
  );
  return r;
}
