/**
 * Facts from the recordings themselves: each recording (count, duration, late upload, clock
 * drift), by its start; and each gap no person has given a reason for (断续录制 must carry a
 * cause, 001 §12), by the gap's start, answerable by the recording's officer.
 */
import type { AnalyticsRepository } from '../db/analytics-repository.ts';
import type { RecordingFlag } from '../db/schema.ts';
import type { AnalyticsScope, Fact } from './figures.ts';

const badgesOf = (officerBadge: string | null): string[] => (officerBadge === null ? [] : [officerBadge]);

export async function recordingFacts(analytics: AnalyticsRepository, scope: AnalyticsScope): Promise<Fact[]> {
  const rows = await analytics.recordingsStarted(scope);
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

export async function unexplainedGapFacts(analytics: AnalyticsRepository, scope: AnalyticsScope): Promise<Fact[]> {
  const rows = await analytics.unexplainedGaps(scope);
  return rows.map((r) => ({ unit: r.unit, badges: badgesOf(r.officer_badge), at: r.start_at, gapsWithoutReason: 1 }));
}
