import { Router } from 'express';
import { z } from 'zod';
import { newUserSchema } from '../auth/user-registry.ts';
import { assignmentSchema, newDeviceSchema } from '../devices/device-registry.ts';
import { presentDevice } from '../devices/present-device.ts';
import { markAudited } from '../errors.ts';
import { mayGrantAlone, NeedsSecurityOfficer } from '../policy/account-policy.ts';
import { mayAdminister, mayListDevices, maySeeDevice } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const deviceIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** Users and devices: the admin's work, which never touches media. Custodians and commanders also read the device list. */
export function adminRoutes(d: ApiDeps): Router {
  const r = Router();
  const admin = (action: string) => [
    requireAuth(d.auth),
    async (req: import('express').Request, res: import('express').Response, next: import('express').NextFunction) => {
      await enforce(d.audit, req, authOf(res).viewer, mayAdminister(authOf(res).viewer), action);
      next();
    },
  ];
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
  r.get('/devices', requireAuth(d.auth), async (req, res) => {
    const { viewer } = authOf(res);
    await enforce(d.audit, req, viewer, mayListDevices(viewer), 'device.list');
    const visible = (await d.devices.list()).filter((device) => maySeeDevice(viewer, device.unit).allow);
    res.json({ devices: visible.map(presentDevice) });
  });
  r.post('/devices', ...admin('device.add'), async (req, res) => {
    const { device, credential } = await d.devices.add(newDeviceSchema.parse(req.body), `user:${authOf(res).viewer.id}`);
    res.status(201).json({ device: presentDevice(device), publishUrl: d.publishUrl(device.id, credential) });
  });
  r.patch('/devices/:id', ...admin('device.assign'), async (req, res) => {
    const { id } = deviceIdParam.parse(req.params);
    const { officerBadge } = assignmentSchema.parse(req.body);
    res.json({ device: presentDevice(await d.devices.assign(id, officerBadge, `user:${authOf(res).viewer.id}`)) });
  });
  return r;
}
