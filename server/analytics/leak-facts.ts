/**
 * Leaks traced to a person (001 §35, §38: copying or spreading without authority is answered
 * for): each `liuhen trace` that named someone, in the unit of the leaked recording, answerable
 * by whoever received the marked copy — the user of the playback session, or whoever asked for the
 * party copy.
 */
import type { AnalyticsRepository } from '../db/analytics-repository.ts';
import type { UserRepository } from '../db/user-repository.ts';
import type { AnalyticsScope, Fact } from './figures.ts';

/** The part of a forensic.trace event's detail read here (server/forensic/trace.ts writes it). */
interface TraceDetail {
  match: Match | null;
}
type Match = { kind: 'session' | 'party_copy'; id: string };

export async function tracedLeakFacts(analytics: AnalyticsRepository, users: UserRepository, scope: AnalyticsScope): Promise<Fact[]> {
  const traced = (await analytics.traces(scope)).flatMap((e) => {
    const { match } = JSON.parse(e.detail) as TraceDetail;
    return match ? [{ at: e.at, unit: e.unit, match }] : [];
  });
  const person = await receivers(
    analytics,
    users,
    traced.map((t) => t.match),
  );
  return traced.map((t) => {
    const who = person.get(`${t.match.kind}:${t.match.id}`);
    return { unit: t.unit, badges: who === undefined ? [] : [who], at: t.at, tracedLeaks: 1 };
  });
}

/** `<kind>:<id>` → the receiver's badge; an actor that is no user (the command line) by its name. */
async function receivers(analytics: AnalyticsRepository, users: UserRepository, matches: Match[]): Promise<Map<string, string>> {
  const ids = (kind: Match['kind']) => [...new Set(matches.flatMap((m) => (m.kind === kind ? [m.id] : [])))];
  const found = new Map<string, string>();
  const sessionIds = ids('session');
  if (sessionIds.length > 0) {
    const rows = await analytics.sessionViewers(sessionIds);
    for (const r of rows) found.set(`session:${r.id}`, r.badge);
  }
  const exportIds = ids('party_copy');
  if (exportIds.length > 0) {
    const rows = await analytics.exportRequesters(exportIds);
    const userIds = [...new Set(rows.flatMap((r) => (r.requested_by.startsWith('user:') ? [r.requested_by.slice(5)] : [])))];
    const badges = new Map(userIds.length === 0 ? [] : (await users.people(userIds)).map((u) => [u.id, u.badge] as const));
    const badgeOf = (actor: string) => (actor.startsWith('user:') ? badges.get(actor.slice(5)) : undefined) ?? actor;
    for (const r of rows) found.set(`party_copy:${r.id}`, badgeOf(r.requested_by));
  }
  return found;
}
