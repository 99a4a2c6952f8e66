import type { AuditAction } from '../audit/audit-actions.ts';
import { Router } from 'express';
import { z } from 'zod';
import { assignmentSchema, cutterSettingSchema, newDeviceSchema } from '../devices/device-registry.ts';
import { presentDevice } from '../devices/present-device.ts';
import { mayListDevices, maySeeDevice } from '../policy/policy.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { deviceSchema, deviceViewSchema } from './device-responses.ts';
import { requireAdmin } from './require-admin.ts';

const deviceIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
/** Why a device is taken out of service (lost, broken, handed back): kept in the audit log. */
const revocationSchema = z.object({ reason: z.string().trim().min(1).max(200) });

/** Devices: the admin registers, assigns and revokes them; custodians and commanders also read the list. */
export function deviceAdminRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  const admin = (action: AuditAction) => ({ caller: 'user', guard: requireAdmin(d, action) }) as const;
  const onDevice = { params: deviceIdParam, responses: { 200: deviceSchema } } as const;

  route(
    {
      method: 'get',
      path: '/devices',
      summary: 'the devices of the units the viewer may see (admin, custodian, commander)',
      caller: 'user',
      guard: requireAuth(d.auth),
      responses: { 200: z.object({ devices: z.array(deviceViewSchema) }).strict() },
    },
    async (_input, req, res) => {
      const { viewer } = authOf(res);
      await enforce(d.audit, req, viewer, mayListDevices(viewer), 'device.list');
      const visible = (await d.devices.list()).filter((device) => maySeeDevice(viewer, device.unit).allow);
      res.json({ devices: visible.map(presentDevice) });
    },
  );

  route(
    {
      ...admin('device.add'),
      method: 'post',
      path: '/devices',
      summary: 'a device registered (admin), its publish URL shown this once',
      body: newDeviceSchema,
      responses: { 201: z.object({ device: deviceViewSchema, publishUrl: z.string().describe("holds the device's credential, of which the server keeps only a hash") }).strict() },
    },
    async (input, _req, res) => {
      const { device, credential } = await d.devices.add(input.body, `user:${authOf(res).viewer.id}`);
      res.status(201).json({ device: presentDevice(device), publishUrl: d.publishUrl(device.id, credential) });
    },
  );

  route(
    {
      ...admin('device.assign'),
      ...onDevice,
      method: 'patch',
      path: '/devices/:id',
      summary: 'a body camera handed to an officer (admin)',
      body: assignmentSchema,
    },
    async (input, _req, res) => {
      res.json({ device: presentDevice(await d.devices.assign(input.params.id, input.body.officerBadge, `user:${authOf(res).viewer.id}`)) });
    },
  );

  route(
    {
      ...admin('device.cutter'),
      ...onDevice,
      method: 'put',
      path: '/devices/:id/cutter',
      summary: "what cuts the device's RTMP stream from its next publish on: liuhen itself, ffmpeg, or null for the server's choice (admin)",
      body: cutterSettingSchema,
    },
    async (input, _req, res) => {
      res.json({ device: presentDevice(await d.devices.setCutter(input.params.id, input.body.cutter, `user:${authOf(res).viewer.id}`)) });
    },
  );

  route(
    {
      ...admin('device.revoke'),
      ...onDevice,
      method: 'post',
      path: '/devices/:id/revoke',
      summary: 'a device taken out of service, with a reason (admin)',
      body: revocationSchema,
    },
    async (input, _req, res) => {
      const { id } = input.params;
      res.json({ device: presentDevice(await d.devices.revoke(id, `user:${authOf(res).viewer.id}`, input.body.reason)) });
    },
  );
  return r;
}
