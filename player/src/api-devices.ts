/** The admin's device calls (server/http/device-admin-routes.ts). */
import { request } from './api.ts';
import type { Device } from './types.ts';

export interface NewDevice {
  kind: 'bodycam' | 'fixed';
  officerBadge?: string;
  unit?: string;
  name?: string;
  rtspUrl?: string;
  rtspUser?: string;
  rtspPassword?: string;
}

/** `publishUrl` holds the device's credential: the server shows it this once and keeps only its hash. */
export function addDevice(input: NewDevice, signal: AbortSignal): Promise<{ device: Device; publishUrl: string }> {
  return request('POST', '/api/devices', signal, () => input);
}

export function assignDevice(id: string, officerBadge: string, signal: AbortSignal): Promise<{ device: Device }> {
  return request('PATCH', `/api/devices/${encodeURIComponent(id)}`, signal, () => ({ officerBadge }));
}

export function revokeDevice(id: string, reason: string, signal: AbortSignal): Promise<{ device: Device }> {
  return request('POST', `/api/devices/${encodeURIComponent(id)}/revoke`, signal, () => ({ reason }));
}
