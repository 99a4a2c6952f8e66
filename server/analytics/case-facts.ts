/**
 * Facts from the case files: mandated actions with neither a recording nor a written reason, as
 * the case check finds them (the rule lives there alone), and archives overdue — not archived
 * 30 days after the case ended, or archived after that (000 §19, 001 §32, 004 §17).
 */
import type { CaseCheck } from '../cases/case-check.ts';
import { ARCHIVE_MS, archiveDeadline, archiveOverdue } from '../cases/case-deadlines.ts';
import type { AnalyticsRepository } from '../db/analytics-repository.ts';
import type { AnalyticsScope, Fact } from './figures.ts';

/** By the action's time, answerable by the action's officer. */
export async function unrecordedActionFacts(analytics: AnalyticsRepository, check: CaseCheck, scope: AnalyticsScope, now: Date): Promise<Fact[]> {
  // Only cases with an action in the period can have a finding about one in it.
  const cases = await analytics.casesActedIn(scope);
  const facts: Fact[] = [];
  for (const c of cases) {
    for (const f of await check.findings(c.id, now)) {
      const at = Date.parse(f.at);
      if (f.kind !== 'action_unrecorded' || at < scope.from.getTime() || at >= scope.to.getTime()) continue;
      facts.push({ unit: c.unit, badges: f.officerBadge === null ? [] : [f.officerBadge], at: f.at, actionsUnrecorded: 1 });
    }
  }
  return facts;
}

/** By the deadline, answerable by every officer on the case. */
export async function overdueArchiveFacts(analytics: AnalyticsRepository, scope: AnalyticsScope, now: Date): Promise<Fact[]> {
  // A deadline in [from, to) is a case end in [from − 30 d, to − 30 d).
  const ended = await analytics.casesEndedWithOfficers({
    from: new Date(scope.from.getTime() - ARCHIVE_MS),
    to: new Date(scope.to.getTime() - ARCHIVE_MS),
    unit: scope.unit,
  });
  const cases = new Map<string, Fact>();
  for (const r of ended) {
    const deadline = archiveDeadline(r.ended_at)!;
    if (!archiveOverdue(r, now) && !(r.archived_at !== null && r.archived_at > deadline)) continue;
    let fact = cases.get(r.id);
    if (!fact) cases.set(r.id, (fact = { unit: r.unit, badges: [], at: deadline, overdueArchives: 1 }));
    if (r.badge !== null) fact.badges.push(r.badge);
  }
  return [...cases.values()];
}
