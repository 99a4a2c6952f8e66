/**
 * Facts from the recordings themselves: each recording (count, duration, late upload, clock
 * drift), by its start; and each gap no person has given a reason for (断续录制 must carry a
 * cause, 001 §12), by the gap's start, answerable by the recording's officer.
 */
import type { Db } from '../db/database.ts';
import type { RecordingFlag } from '../db/schema.ts';
import type { AnalyticsScope, Fact } from './figures.ts';

const badgesOf = (officerBadge: string | null): string[] => (officerBadge === null ? [] : [officerBadge]);

export async function recordingFacts(db: Db, scope: AnalyticsScope): Promise<Fact[]> {
  let q = db
    .selectFrom('recordings')
    .select(['unit', 'officer_badge', 'started_at', 'duration_ms', 'late', 'flags'])
    .where('started_at', '>=', scope.from.toISOString())
    .where('started_at', '<', scope.to.toISOString());
  if (scope.unit !== null) q = q.where('unit', '=', scope.unit);
  const rows = await q.execute();
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

export async function unexplainedGapFacts(db: Db, scope: AnalyticsScope): Promise<Fact[]> {
  let q = db
    .selectFrom('ledger_entries as e')
    .innerJoin('recordings as r', 'r.id', 'e.recording_id')
    .leftJoin('gap_notes as n', (join) => join.onRef('n.recording_id', '=', 'e.recording_id').onRef('n.idx', '=', 'e.idx'))
    .select(['r.unit', 'r.officer_badge', 'e.start_at'])
    .where('e.kind', '=', 'gap')
    .where('n.recording_id', 'is', null)
    .where('e.start_at', '>=', scope.from.toISOString())
    .where('e.start_at', '<', scope.to.toISOString());
  if (scope.unit !== null) q = q.where('r.unit', '=', scope.unit);
  const rows = await q.execute();
  return rows.map((r) => ({ unit: r.unit, badges: badgesOf(r.officer_badge), at: r.start_at, gapsWithoutReason: 1 }));
}
