import type { Db } from '../../server/db/database.ts';

export interface SeedDevice {
  id: string;
  kind: 'bodycam' | 'fixed';
  officer: string | null;
  unit: string;
}

export interface SeedRecording {
  id: string;
  device: string;
  startedAt: string;
  durationMs: number;
  late: boolean;
  flags: string[];
}

/**
 * Devices and closed recordings written straight into the database, for reports that read counts
 * and times. Not a real chain (no segments in the store, made-up links): such recordings are
 * never played or verified.
 */
export async function seedRecordings(db: Db, devices: readonly SeedDevice[], recordings: readonly SeedRecording[]): Promise<void> {
  const created = '2026-01-01T00:00:00.000Z';
  await db
    .insertInto('devices')
    .values(devices.map((d) => ({ id: d.id, kind: d.kind, name: d.id, officer_badge: d.officer, credential_hash: 'seeded', state: 'active' as const, created_at: created, unit: d.unit })))
    .execute();
  await db
    .insertInto('recordings')
    .values(
      recordings.map((r) => {
        const d = devices.find((x) => x.id === r.device)!;
        const endedAt = new Date(Date.parse(r.startedAt) + r.durationMs).toISOString();
        return {
          id: r.id,
          device_id: d.id,
          officer_badge: d.officer,
          started_at: r.startedAt,
          ended_at: endedAt,
          state: 'closed' as const,
          header_line: '{}',
          head_link: 'seeded',
          entry_count: 0,
          segment_count: 0,
          gap_count: 0,
          duration_ms: r.durationMs,
          checkpointed_count: 0,
          chain_segments_before: 0,
          chain_gaps_before: 0,
          unit: d.unit,
          origin: r.late ? ('upload' as const) : ('live' as const),
          flags: JSON.stringify(r.flags),
          late: r.late ? 1 : 0,
          upload_deadline: new Date(Date.parse(endedAt) + 86_400_000).toISOString(),
          received_at: new Date(Date.parse(endedAt) + (r.late ? 2 : 0.01) * 86_400_000).toISOString(),
        };
      }),
    )
    .execute();
}
