/**
 * Facts from the recordings themselves: each recording (count, duration, late upload, clock
 * drift), by its start; and each gap no person has given a reason for (断续录制 must carry a
 * cause, 001 §12), by the gap's start, answerable by the recording's officer.
 */
import type { Recording, RecordingFlag } from '../db/schema.ts';
import type { Fact } from './figures.ts';

const badgesOf = (officerBadge: string | null): string[] => (officerBadge === null ? [] : [officerBadge]);

/** `rows`: the recordings started in the scope. */
export function recordingFacts(rows: Pick<Recording, 'unit' | 'officer_badge' | 'started_at' | 'duration_ms' | 'late' | 'flags'>[]): Fact[] {
  return rows.map((r) => ({
    unit: r.unit,
    badges: badgesOf(r.officer_badge),
    at: r.started_at,
    recordings: 1,
    durationMs: r.duration_ms,
    lateUploads: r.late === 1 ? 1 : 0,
    clockDriftFlags: (JSON.parse(r.flags) as RecordingFlag[]).includes('clock_drift') ? 1 : 0,
  }));
}

/** `rows`: the gaps in the scope without a reason. */
export function unexplainedGapFacts(rows: { unit: string; officer_badge: string | null; start_at: string }[]): Fact[] {
  return rows.map((r) => ({ unit: r.unit, badges: badgesOf(r.officer_badge), at: r.start_at, gapsWithoutReason: 1 }));
}
