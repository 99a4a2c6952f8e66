import { Router } from 'express';
import { z } from 'zod';
import { assignmentSchema, newDeviceSchema } from '../devices/device-registry.ts';
import { presentDevice } from '../devices/present-device.ts';
import { mayListDevices, maySeeDevice } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { requireAdmin } from './require-admin.ts';

const deviceIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
/** Why a device is taken out of service (lost, broken, handed back): kept in the audit log. */
const revocationSchema = z.object({ reason: z.string().trim().min(1).max(200) });

/** Devices: the admin registers, assigns and revokes them; custodians and commanders also read the list. */
export function deviceAdminRoutes(d: ApiDeps): Router {
  const r = Router();
  const admin = (action: string) => requireAdmin(d, action);
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
  r.post('/devices/:id/revoke', ...admin('device.revoke'), async (req, res) => {
    const { id } = deviceIdParam.parse(req.params);
    const { reason } = revocationSchema.parse(req.body);
    res.json({ device: presentDevice(await d.devices.revoke(id, `user:${authOf(res).viewer.id}`, reason)) });
  });
  return r;
}
