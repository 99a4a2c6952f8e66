import { describe, expect, it } from 'vitest';
import { assessHealth, healthReportSchema, recordingFlagsFor } from '../../server/devices/device-health.ts';

const limits = { clockDriftMs: 2000, lowBatteryPct: 20, lowStorageMb: 1024 };
const receivedAt = new Date('2026-03-01T00:00:00.000Z');

describe('a health report', () => {
  it.each<[string, number, string[]]>([
    ['2026-03-01T08:00:10.000+08:00', 10_000, ['clock_drift']],
    ['2026-02-28T23:59:57.500Z', -2_500, ['clock_drift']],
    ['2026-03-01T00:00:02.000Z', 2_000, []],
    ['2026-03-01T00:00:00.000Z', 0, []],
  ])('sent at device time %s drifts %i ms', (deviceTime, drift, flags) => {
    expect(assessHealth({ deviceTime }, receivedAt, limits)).toEqual({ clockDriftMs: drift, flags });
  });

  it('flags a battery and storage at or below their limits, and leaves unreported ones alone', () => {
    const at = { deviceTime: receivedAt.toISOString() };
    expect(assessHealth({ ...at, batteryPct: 20, storageFreeMb: 1025 }, receivedAt, limits).flags).toEqual(['low_battery']);
    expect(assessHealth({ ...at, batteryPct: 21, storageFreeMb: 1024 }, receivedAt, limits).flags).toEqual(['low_storage']);
    expect(assessHealth({ deviceTime: '2026-03-01T00:01:00Z', batteryPct: 3, storageFreeMb: 0 }, receivedAt, limits).flags).toEqual(['clock_drift', 'low_battery', 'low_storage']);
  });

  it('needs a device time with its offset, a whole battery percentage and a non-negative storage figure', () => {
    expect(healthReportSchema.safeParse({ deviceTime: '2026-03-01T08:00:00' }).success).toBe(false);
    expect(healthReportSchema.safeParse({ deviceTime: '2026-03-01T08:00:00+08:00', batteryPct: 101 }).success).toBe(false);
    expect(healthReportSchema.safeParse({ deviceTime: '2026-03-01T08:00:00+08:00', batteryPct: 50.5 }).success).toBe(false);
    expect(healthReportSchema.safeParse({ deviceTime: '2026-03-01T08:00:00+08:00', storageFreeMb: -1 }).success).toBe(false);
    expect(healthReportSchema.safeParse({ deviceTime: '2026-03-01T08:00:00+08:00', batteryPct: 0, storageFreeMb: 0 }).success).toBe(true);
  });
});

describe('a recording opened on a device', () => {
  it('is flagged when the device’s last known clock is off by more than the limit', () => {
    expect(recordingFlagsFor({ clock_drift_ms: 10_000 }, 2000)).toEqual(['clock_drift']);
    expect(recordingFlagsFor({ clock_drift_ms: -2001 }, 2000)).toEqual(['clock_drift']);
    expect(recordingFlagsFor({ clock_drift_ms: 2000 }, 2000)).toEqual([]);
    expect(recordingFlagsFor({ clock_drift_ms: null }, 2000)).toEqual([]);
  });
});
