/**
 * A device as the API and `liuhen devices --json` show it: never its credential hash or its
 * sealed RTSP secret.
 */
import type { Device, DeviceKind, DeviceState, HealthFlag } from '../db/schema.ts';
import { healthFlagsOf } from './device-health.ts';

export interface DeviceView {
  id: string;
  kind: DeviceKind;
  name: string;
  officerBadge: string | null;
  unit: string;
  state: DeviceState;
  lastSeenAt: string | null;
  health: { at: string | null; batteryPct: number | null; storageFreeMb: number | null; clockDriftMs: number | null; flags: HealthFlag[] };
  error: string | null;
  rtspUrl: string | null;
  cutter: Device['cutter'];
}

export function presentDevice(d: Device): DeviceView {
  return {
    id: d.id,
    kind: d.kind,
    name: d.name,
    officerBadge: d.officer_badge,
    unit: d.unit,
    state: d.state,
    lastSeenAt: d.last_seen_at,
    health: { at: d.health_at, batteryPct: d.battery_pct, storageFreeMb: d.storage_free_mb, clockDriftMs: d.clock_drift_ms, flags: healthFlagsOf(d) },
    error: d.error,
    rtspUrl: d.rtsp_url,
    cutter: d.cutter,
  };
}
