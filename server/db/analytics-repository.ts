import type { AnalyticsScope } from '../analytics/figures.ts';
import { Repository } from './repository.ts';
import type { Recording } from './schema.ts';

/** The reads of the compliance analytics (server/analytics): what happened in a scope, never a write. */
export class AnalyticsRepository extends Repository {
  /** The recordings started in the scope. */
  async recordingsStarted(scope: AnalyticsScope): Promise<Array<Pick<Recording, 'unit' | 'officer_badge' | 'started_at' | 'duration_ms' | 'late' | 'flags'>>> {
    let q = this.db
      .selectFrom('recordings')
      .select(['unit', 'officer_badge', 'started_at', 'duration_ms', 'late', 'flags'])
      .where('started_at', '>=', scope.from.toISOString())
      .where('started_at', '<', scope.to.toISOString());
    if (scope.unit !== null) q = q.where('unit', '=', scope.unit);
    return q.execute();
  }

  /** The gaps started in the scope that no gap note explains, with their recording's unit and officer. */
  async unexplainedGaps(scope: AnalyticsScope): Promise<Array<{ unit: string; officer_badge: string | null; start_at: string }>> {
    let q = this.db
      .selectFrom('ledger_entries as e')
      .innerJoin('recordings as r', 'r.id', 'e.recording_id')
      .leftJoin('gap_notes as n', (join) => join.onRef('n.recording_id', '=', 'e.recording_id').onRef('n.idx', '=', 'e.idx'))
      .select(['r.unit', 'r.officer_badge', 'e.start_at'])
      .where('e.kind', '=', 'gap')
      .where('n.recording_id', 'is', null)
      .where('e.start_at', '>=', scope.from.toISOString())
      .where('e.start_at', '<', scope.to.toISOString());
    if (scope.unit !== null) q = q.where('r.unit', '=', scope.unit);
    return q.execute();
  }

  /** The cases with an action in the scope. */
  async casesActedIn(scope: AnalyticsScope): Promise<Array<{ id: string; unit: string }>> {
    let q = this.db
      .selectFrom('cases')
      .select(['id', 'unit'])
      .where('id', 'in', this.db.selectFrom('case_actions').select('case_id').where('at', '>=', scope.from.toISOString()).where('at', '<', scope.to.toISOString()));
    if (scope.unit !== null) q = q.where('unit', '=', scope.unit);
    return q.execute();
  }

  /** The cases that ended in the scope, one row per officer member (a null badge: none). */
  async casesEndedWithOfficers(scope: AnalyticsScope) {
    let q = this.db
      .selectFrom('cases as c')
      .leftJoin('case_members as m', (join) => join.onRef('m.case_id', '=', 'c.id').on('m.role', '=', 'officer'))
      .select(['c.id', 'c.unit', 'c.ended_at', 'c.archived_at', 'm.badge'])
      .where('c.ended_at', '>=', scope.from.toISOString())
      .where('c.ended_at', '<', scope.to.toISOString());
    if (scope.unit !== null) q = q.where('c.unit', '=', scope.unit);
    return q.execute();
  }

  /** The successful forensic traces in the scope, with the traced recording's unit. */
  async traces(scope: AnalyticsScope): Promise<Array<{ at: string; detail: string; unit: string }>> {
    let q = this.db
      .selectFrom('audit_events as a')
      .innerJoin('recordings as r', 'r.id', 'a.subject')
      .select(['a.at', 'a.detail', 'r.unit'])
      .where('a.action', '=', 'forensic.trace')
      .where('a.outcome', '=', 'ok')
      .where('a.at', '>=', scope.from.toISOString())
      .where('a.at', '<', scope.to.toISOString());
    if (scope.unit !== null) q = q.where('r.unit', '=', scope.unit);
    return q.execute();
  }

  /** Each playback session's user, by badge. */
  async sessionViewers(sessionIds: string[]): Promise<Array<{ id: string; badge: string }>> {
    return this.db.selectFrom('playback_sessions as s').innerJoin('users as u', 'u.id', 's.user_id').select(['s.id', 'u.badge']).where('s.id', 'in', sessionIds).execute();
  }

  /** Who asked for each export. */
  async exportRequesters(exportIds: string[]): Promise<Array<{ id: string; requested_by: string }>> {
    return this.db.selectFrom('exports').select(['id', 'requested_by']).where('id', 'in', exportIds).execute();
  }
}
