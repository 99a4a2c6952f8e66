/**
 * Device health (001 §13: a recorder's date and time must be right). A device reports its clock,
 * battery and free storage; the server measures the clock against its own at arrival and flags
 * what needs a person: a wrong clock puts wrong times on evidence, a flat battery or a full card
 * stops recording in the field.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RequestContext } from '../auth/auth-service.ts';
import type { Config } from '../config.ts';
import type { Repositories } from '../db/repositories.ts';
import type { DeviceRepository } from '../db/device-repository.ts';
import type { Device, HealthFlag, RecordingFlag } from '../db/schema.ts';
import { DeviceNotFound } from '../errors.ts';
import { type Clock, systemClock } from '../clock.ts';

export const healthReportSchema = z.object({
  /** the device's own clock when it sent the report, with its offset */
  deviceTime: z.string().datetime({ offset: true }),
  batteryPct: z.number().int().min(0).max(100).optional(),
  storageFreeMb: z.number().int().min(0).optional(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export type HealthThresholds = Config['health'];

export interface HealthAssessment {
  /** device clock minus server clock */
  clockDriftMs: number;
  flags: HealthFlag[];
}

export function assessHealth(report: HealthReport, receivedAt: Date, limits: HealthThresholds): HealthAssessment {
  const clockDriftMs = Date.parse(report.deviceTime) - receivedAt.getTime();
  const flags: HealthFlag[] = [];
  if (Math.abs(clockDriftMs) > limits.clockDriftMs) flags.push('clock_drift');
  if (report.batteryPct !== undefined && report.batteryPct <= limits.lowBatteryPct) flags.push('low_battery');
  if (report.storageFreeMb !== undefined && report.storageFreeMb <= limits.lowStorageMb) flags.push('low_storage');
  return { clockDriftMs, flags };
}

/** What a recording opened now on `device` is flagged for: times taken from a wrong clock. */
export function recordingFlagsFor(device: Pick<Device, 'clock_drift_ms'>, clockDriftThresholdMs: number): RecordingFlag[] {
  return device.clock_drift_ms !== null && Math.abs(device.clock_drift_ms) > clockDriftThresholdMs ? ['clock_drift'] : [];
}

export function healthFlagsOf(device: Pick<Device, 'health_flags'>): HealthFlag[] {
  return device.health_flags === null ? [] : (JSON.parse(device.health_flags) as HealthFlag[]);
}

export class DeviceHealth {
  private readonly devices: DeviceRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly limits: HealthThresholds,
    private readonly clock: Clock = systemClock,
  ) {
    this.devices = repos.devices;
  }

  /**
   * Keeps the report and puts it on the device. Audited only when the device's flags change: a
   * device reporting every minute would otherwise bury the access log in routine.
   */
  async report(deviceId: string, input: unknown, ctx: RequestContext): Promise<HealthAssessment & { flagsChanged: boolean }> {
    const report = healthReportSchema.parse(input);
    const receivedAt = this.clock.now();
    const assessment = assessHealth(report, receivedAt, this.limits);
    const at = receivedAt.toISOString();
    const flagsJson = JSON.stringify(assessment.flags);
    const before = await this.devices.transaction(async (tx) => {
      const device = await tx.healthFlags(deviceId);
      if (!device) throw new DeviceNotFound(deviceId);
      await tx.reportHealth(
        {
          device_id: deviceId,
          received_at: at,
          device_time: report.deviceTime,
          clock_drift_ms: assessment.clockDriftMs,
          battery_pct: report.batteryPct ?? null,
          storage_free_mb: report.storageFreeMb ?? null,
          flags: flagsJson,
        },
        {
          health_at: at,
          last_seen_at: at,
          clock_drift_ms: assessment.clockDriftMs,
          battery_pct: report.batteryPct ?? null,
          storage_free_mb: report.storageFreeMb ?? null,
          health_flags: flagsJson,
        },
      );
      return healthFlagsOf(device);
    });
    const flagsChanged = before.join() !== assessment.flags.join();
    if (flagsChanged) {
      await this.audit.record({
        actor: `device:${deviceId}`,
        action: 'device.health',
        subject: deviceId,
        outcome: 'ok',
        address: ctx.address,
        userAgent: ctx.userAgent,
        detail: { from: before, to: assessment.flags, clockDriftMs: assessment.clockDriftMs, batteryPct: report.batteryPct ?? null, storageFreeMb: report.storageFreeMb ?? null },
      });
    }
    return { ...assessment, flagsChanged };
  }
}
