import { Router } from 'express';
import { newUserSchema } from '../auth/user-registry.ts';
import { markAudited } from '../errors.ts';
import { mayGrantAlone, NeedsSecurityOfficer } from '../policy/account-policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { requireAdmin } from './require-admin.ts';
import { contextOf } from './request-context.ts';

/** Users: the admin's work, which never touches media. */
export function adminRoutes(d: ApiDeps): Router {
  const r = Router();
  const admin = (action: string) => requireAdmin(d, action);
  r.get('/users', ...admin('user.list'), async (_req, res) => {
    res.json({ users: await d.users.list() });
  });
  r.post('/users', ...admin('user.add'), async (req, res) => {
    const spec = newUserSchema.parse(req.body);
    const actor = `user:${authOf(res).viewer.id}`;
    const alone = mayGrantAlone(spec);
    if (!alone.allow) {
      const ctx = contextOf(req);
      await d.audit.record({ actor, action: 'user.add', outcome: 'refused', address: ctx.address, userAgent: ctx.userAgent, detail: { reason: alone.reason, role: spec.role, badge: spec.badge, clearances: spec.clearances } });
      throw markAudited(new NeedsSecurityOfficer(alone.reason));
    }
    const { user, password } = await d.users.add(spec, actor);
    res.status(201).json({ user, password });
  });
  return r;
}
