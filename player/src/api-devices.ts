/** The admin's device calls (server/http/device-admin-routes.ts). */
import { request } from './api.ts';
import type { Answer, Body } from './types.ts';

export type NewDevice = Body<'/api/devices', 'post'>;
type DeviceAnswer = Answer<'/api/devices/{id}', 'patch'>;

/** `publishUrl` holds the device's credential: the server shows it this once and keeps only its hash. */
export function addDevice(input: NewDevice, signal: AbortSignal): Promise<Answer<'/api/devices', 'post', 201>> {
  return request('POST', '/api/devices', signal, () => input);
}

export function assignDevice(id: string, officerBadge: string, signal: AbortSignal): Promise<DeviceAnswer> {
  return request('PATCH', `/api/devices/${encodeURIComponent(id)}`, signal, () => ({ officerBadge }));
}

export function revokeDevice(id: string, reason: string, signal: AbortSignal): Promise<DeviceAnswer> {
  return request('POST', `/api/devices/${encodeURIComponent(id)}/revoke`, signal, () => ({ reason }));
}
