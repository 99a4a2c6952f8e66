/**
 * Leaks traced to a person (001 §35, §38: copying or spreading without authority is answered
 * for): each `liuhen trace` that named someone, in the unit of the leaked recording, answerable
 * by whoever received the marked copy — the user of the playback session, or whoever asked for the
 * party copy.
 */
import type { Fact } from './figures.ts';

/** The part of a forensic.trace event's detail read here (server/forensic/trace.ts writes it). */
interface TraceDetail {
  match: Match | null;
}
export type Match = { kind: 'session' | 'party_copy'; id: string };

export interface NamedLeak {
  at: string;
  unit: string;
  match: Match;
}

/** `traces`: the forensic.trace events of the scope, with the traced recording's unit. */
export function namedLeaks(traces: { at: string; detail: string; unit: string }[]): NamedLeak[] {
  return traces.flatMap((e) => {
    const { match } = JSON.parse(e.detail) as TraceDetail;
    return match ? [{ at: e.at, unit: e.unit, match }] : [];
  });
}

/** The ids of one kind of receiver the leaks name, once each. */
export const matchedIds = (leaks: NamedLeak[], kind: Match['kind']): string[] => [...new Set(leaks.flatMap((l) => (l.match.kind === kind ? [l.match.id] : [])))];

/** `receivers`: `<kind>:<id>` → the receiver's badge (an actor that is no user, such as the command line, by its name). */
export function tracedLeakFacts(leaks: NamedLeak[], receivers: Map<string, string>): Fact[] {
  return leaks.map((l) => {
    const who = receivers.get(`${l.match.kind}:${l.match.id}`);
    return { unit: l.unit, badges: who === undefined ? [] : [who], at: l.at, tracedLeaks: 1 };
  });
}
