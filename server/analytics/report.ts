/** One compliance report: the facts of a scope, counted into the table of one grouping. */
import type { CaseCheck } from '../cases/case-check.ts';
import type { Clock } from '../clock.ts';
import type { AnalyticsRepository } from '../db/analytics-repository.ts';
import type { UserRepository } from '../db/user-repository.ts';
import { overdueArchiveFacts, unrecordedActionFacts } from './case-facts.ts';
import { type AnalyticsScope, type FigureTable, type GroupBy, tabulate } from './figures.ts';
import { tracedLeakFacts } from './leak-facts.ts';
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
        recordingFacts(this.analytics, scope),
        unexplainedGapFacts(this.analytics, scope),
        unrecordedActionFacts(this.analytics, this.check, scope, now),
        overdueArchiveFacts(this.analytics, scope, now),
        tracedLeakFacts(this.analytics, this.users, scope),
      ])
    ).flat();
    return { groupBy, from: scope.from.toISOString(), to: scope.to.toISOString(), unit: scope.unit, ...tabulate(facts, groupBy, scope) };
  }
}
