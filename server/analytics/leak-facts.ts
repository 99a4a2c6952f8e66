/**
 * Leaks traced to a person (001 §35, §38: copying or spreading without authority is answered
 * for): each `liuhen trace` that named someone, in the unit of the leaked recording, answerable
 * by whoever received the marked copy — the user of the playback session, or whoever asked for the
 * party copy.
 */
import type { Db } from '../db/database.ts';
import type { AnalyticsScope, Fact } from './figures.ts';

/** The part of a forensic.trace event's detail read here (server/forensic/trace.ts writes it). */
interface TraceDetail {
  match: Match | null;
}
type Match = { kind: 'session' | 'party_copy'; id: string };

export async function tracedLeakFacts(db: Db, scope: AnalyticsScope): Promise<Fact[]> {
  let q = db
    .selectFrom('audit_events as a')
    .innerJoin('recordings as r', 'r.id', 'a.subject')
    .select(['a.at', 'a.detail', 'r.unit'])
    .where('a.action', '=', 'forensic.trace')
    .where('a.outcome', '=', 'ok')
    .where('a.at', '>=', scope.from.toISOString())
    .where('a.at', '<', scope.to.toISOString());
  if (scope.unit !== null) q = q.where('r.unit', '=', scope.unit);
  const traced = (await q.execute()).flatMap((e) => {
    const { match } = JSON.parse(e.detail) as TraceDetail;
    return match ? [{ at: e.at, unit: e.unit, match }] : [];
  });
  const person = await receivers(db, traced.map((t) => t.match));
  return traced.map((t) => {
    const who = person.get(`${t.match.kind}:${t.match.id}`);
    return { unit: t.unit, badges: who === undefined ? [] : [who], at: t.at, tracedLeaks: 1 };
  });
}

/** `<kind>:<id>` → the receiver's badge; an actor that is no user (the command line) by its name. */
async function receivers(db: Db, matches: Match[]): Promise<Map<string, string>> {
  const ids = (kind: Match['kind']) => [...new Set(matches.flatMap((m) => (m.kind === kind ? [m.id] : [])))];
  const found = new Map<string, string>();
  const sessionIds = ids('session');
  if (sessionIds.length > 0) {
    const rows = await db.selectFrom('playback_sessions as s').innerJoin('users as u', 'u.id', 's.user_id').select(['s.id', 'u.badge']).where('s.id', 'in', sessionIds).execute();
    for (const r of rows) found.set(`session:${r.id}`, r.badge);
  }
  const exportIds = ids('party_copy');
  if (exportIds.length > 0) {
    const rows = await db.selectFrom('exports').select(['id', 'requested_by']).where('id', 'in', exportIds).execute();
    const userIds = [...new Set(rows.flatMap((r) => (r.requested_by.startsWith('user:') ? [r.requested_by.slice(5)] : [])))];
    const badges = new Map(
      userIds.length === 0 ? [] : (await db.selectFrom('users').select(['id', 'badge']).where('id', 'in', userIds).execute()).map((u) => [u.id, u.badge] as const),
    );
    const badgeOf = (actor: string) => (actor.startsWith('user:') ? badges.get(actor.slice(5)) : undefined) ?? actor;
    for (const r of rows) found.set(`party_copy:${r.id}`, badgeOf(r.requested_by));
  }
  return found;
}
