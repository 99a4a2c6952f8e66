import { Router } from 'express';
import { newUserSchema } from '../auth/user-registry.ts';
import { newDeviceSchema } from '../devices/device-registry.ts';
import { mayAdminister } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';

/** Users and devices: the admin's work, which never touches media. */
export function adminRoutes(d: ApiDeps): Router {
  const r = Router();
  const admin = (action: string) => [
    requireAuth(d.auth, d.audit),
    async (req: import('express').Request, res: import('express').Response, next: import('express').NextFunction) => {
      await enforce(d.audit, req, authOf(res).viewer, mayAdminister(authOf(res).viewer), action);
      next();
    },
  ];
  r.get('/users', ...admin('user.list'), async (_req, res) => {
    res.json({ users: await d.users.list() });
  });
  r.post('/users', ...admin('user.add'), async (req, res) => {
    const { user, password } = await d.users.add(newUserSchema.parse(req.body), `user:${authOf(res).viewer.id}`);
    res.status(201).json({ user, password });
  });
  r.get('/devices', ...admin('device.list'), async (_req, res) => {
    res.json({ devices: (await d.devices.list()).map(({ credential_hash: _h, ...device }) => device) });
  });
  r.post('/devices', ...admin('device.add'), async (req, res) => {
    const { device, credential } = await d.devices.add(newDeviceSchema.parse(req.body), `user:${authOf(res).viewer.id}`);
    const { credential_hash: _h, ...shown } = device;
    res.status(201).json({ device: shown, publishUrl: d.publishUrl(device.id, credential) });
  });
  return r;
}
