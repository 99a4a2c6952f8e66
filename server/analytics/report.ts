/** One compliance report: the facts of a scope, counted into the table of one grouping. */
import type { Repositories } from '../db/repositories.ts';
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

export async function analyticsReport(repos: Pick<Repositories, 'analytics' | 'cases' | 'users'>, scope: AnalyticsScope, groupBy: GroupBy, now: Date): Promise<AnalyticsReport> {
  const facts = (
    await Promise.all([
      recordingFacts(repos.analytics, scope),
      unexplainedGapFacts(repos.analytics, scope),
      unrecordedActionFacts(repos, scope, now),
      overdueArchiveFacts(repos.analytics, scope, now),
      tracedLeakFacts(repos.analytics, repos.users, scope),
    ])
  ).flat();
  return { groupBy, from: scope.from.toISOString(), to: scope.to.toISOString(), unit: scope.unit, ...tabulate(facts, groupBy, scope) };
}
