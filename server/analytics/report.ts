/** One compliance report: the facts of a scope, counted into the table of one grouping. */
import type { CaseCheck } from '../cases/case-check.ts';
import type { Clock } from '../clock.ts';
import type { AnalyticsRepository } from '../db/analytics-repository.ts';
import type { UserRepository } from '../db/user-repository.ts';
import { endingsDueIn, overdueArchiveFacts, unrecordedActionFacts } from './case-facts.ts';
import { type AnalyticsScope, type FigureTable, type GroupBy, tabulate } from './figures.ts';
import { matchedIds, type NamedLeak, namedLeaks, tracedLeakFacts } from './leak-facts.ts';
import { recordingFacts, unexplainedGapFacts } from './recording-facts.ts';

export interface AnalyticsReport extends FigureTable {
  groupBy: GroupBy;
  from: string;
  to: string;
  /** null: every unit */
  unit: string | null;
}

/** The supervisors' compliance figures, over the recordings, the case files and the traced leaks. */
export class ComplianceAnalytics {
  constructor(
    private readonly analytics: AnalyticsRepository,
    private readonly users: UserRepository,
    private readonly check: CaseCheck,
    private readonly clock: Clock,
  ) {}

  async report(scope: AnalyticsScope, groupBy: GroupBy): Promise<AnalyticsReport> {
    const now = this.clock.now();
    const facts = (
      await Promise.all([
        this.analytics.recordingsStarted(scope).then(recordingFacts),
        this.analytics.unexplainedGaps(scope).then(unexplainedGapFacts),
        this.checkedCases(scope, now).then((checked) => unrecordedActionFacts(checked, scope)),
        this.analytics.casesEndedWithOfficers(endingsDueIn(scope)).then((ended) => overdueArchiveFacts(ended, now)),
        this.tracedLeaks(scope),
      ])
    ).flat();
    return { groupBy, from: scope.from.toISOString(), to: scope.to.toISOString(), unit: scope.unit, ...tabulate(facts, groupBy, scope) };
  }

  /** The cases with an action in the scope, each with what the case check finds now. */
  private async checkedCases(scope: AnalyticsScope, now: Date) {
    const checked = [];
    for (const c of await this.analytics.casesActedIn(scope)) checked.push({ unit: c.unit, findings: await this.check.findings(c.id, now) });
    return checked;
  }

  private async tracedLeaks(scope: AnalyticsScope) {
    const leaks = namedLeaks(await this.analytics.traces(scope));
    return tracedLeakFacts(leaks, await this.receivers(leaks));
  }

  /** `<kind>:<id>` → the receiver's badge; an actor that is no user (the command line) by its name. */
  private async receivers(leaks: NamedLeak[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const sessionIds = matchedIds(leaks, 'session');
    if (sessionIds.length > 0) for (const r of await this.analytics.sessionViewers(sessionIds)) found.set(`session:${r.id}`, r.badge);
    const exportIds = matchedIds(leaks, 'party_copy');
    if (exportIds.length > 0) {
      const rows = await this.analytics.exportRequesters(exportIds);
      const userIds = [...new Set(rows.flatMap((r) => (r.requested_by.startsWith('user:') ? [r.requested_by.slice(5)] : [])))];
      const badges = new Map(userIds.length === 0 ? [] : (await this.users.people(userIds)).map((u) => [u.id, u.badge] as const));
      const badgeOf = (actor: string) => (actor.startsWith('user:') ? badges.get(actor.slice(5)) : undefined) ?? actor;
      for (const r of rows) found.set(`party_copy:${r.id}`, badgeOf(r.requested_by));
    }
    return found;
  }
}
