/**
 * Retention by category (issue 17; 000 §19, 001 §32, 004 §17): what no case uses is kept for the
 * `unlinked` period from its end; what a case links is kept with the case, until its archiving
 * and then for the archive period; a legal hold keeps it until lifted. A recording only ever
 * moves to a longer period. Pure: the dates are computed here, the store and the database follow.
 */
import type { RetentionCategory } from '../db/schema.ts';

/** What a person is shown: a hold above a case, a case above nothing. */
export type ShownCategory = RetentionCategory | 'hold';

export function shownCategory(f: { held: boolean; linked: boolean }): ShownCategory {
  if (f.held) return 'hold';
  return f.linked ? 'case' : 'unlinked';
}

/** When an unlinked recording's period ends: its end plus the unlinked period. */
export function unlinkedPeriodEnd(endedAt: string, unlinkedMs: number): Date {
  return new Date(Date.parse(endedAt) + unlinkedMs);
}

/**
 * The lock date a case gives what it links: the archive period from its archiving, or, while it
 * is open, from now (the archiving extends it again).
 */
export function caseLockDate(archivedAt: string | null, now: Date, caseMs: number): Date {
  return new Date((archivedAt === null ? now.getTime() : Date.parse(archivedAt)) + caseMs);
}

/** The later of a recorded lock date (if any) and a new one: a period never shortens. */
export function laterOf(recorded: string | null | undefined, proposed: Date): Date {
  return recorded && Date.parse(recorded) > proposed.getTime() ? new Date(recorded) : proposed;
}

/** The ISO time before which an unlinked recording must have ended to be past its period now. */
export function unlinkedCutoff(now: Date, unlinkedMs: number): string {
  return new Date(now.getTime() - unlinkedMs).toISOString();
}
