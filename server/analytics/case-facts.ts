/**
 * Facts from the case files: mandated actions with neither a recording nor a written reason, as
 * the case check finds them (the rule lives there alone), and archives overdue — not archived
 * 30 days after the case ended, or archived after that (000 §19, 001 §32, 004 §17).
 */
import { ARCHIVE_MS, archiveDeadline, archiveOverdue } from '../cases/case-deadlines.ts';
import type { Finding } from '../cases/findings.ts';
import type { Case } from '../db/schema.ts';
import type { AnalyticsScope, Fact } from './figures.ts';

/**
 * By the action's time, answerable by the action's officer. `checked`: the cases with an action
 * in the scope (only they can have a finding about one in it), each with its findings.
 */
export function unrecordedActionFacts(checked: { unit: string; findings: Finding[] }[], scope: AnalyticsScope): Fact[] {
  const facts: Fact[] = [];
  for (const c of checked) {
    for (const f of c.findings) {
      const at = Date.parse(f.at);
      if (f.kind !== 'action_unrecorded' || at < scope.from.getTime() || at >= scope.to.getTime()) continue;
      facts.push({ unit: c.unit, badges: f.officerBadge === null ? [] : [f.officerBadge], at: f.at, actionsUnrecorded: 1 });
    }
  }
  return facts;
}

/** The cases whose archive deadline falls in the scope: a deadline in [from, to) is a case end in [from − 30 d, to − 30 d). */
export function endingsDueIn(scope: AnalyticsScope): AnalyticsScope {
  return { from: new Date(scope.from.getTime() - ARCHIVE_MS), to: new Date(scope.to.getTime() - ARCHIVE_MS), unit: scope.unit };
}

/** By the deadline, answerable by every officer on the case. `ended`: the cases that ended in `endingsDueIn(scope)`, a row per officer. */
export function overdueArchiveFacts(ended: (Pick<Case, 'id' | 'unit' | 'ended_at' | 'archived_at'> & { badge: string | null })[], now: Date): Fact[] {
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
