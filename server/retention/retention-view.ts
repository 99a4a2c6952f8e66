/**
 * A recording's retention as people see it (the API, `liuhen retention show`, and with the
 * recording wherever it is listed or replayed): its category, how long it is kept, who holds it
 * and why, and its expiry once it has one.
 */
import { RecordingNotFound } from '../errors.ts';
import type { PlanDeps } from './expiry-plan.ts';
import { type ShownCategory, shownCategory, unlinkedPeriodEnd } from './retention-rules.ts';

export interface RetentionView {
  recordingId: string;
  category: ShownCategory;
  /** `kept`, or `expiring` while an expiry is under way, `expired` once it is done */
  state: 'kept' | 'expiring' | 'expired';
  /**
   * Kept at least until: null while it cannot be dated (held until lifted, linked to a case not
   * yet archived, a recording not yet ended).
   */
  keptUntil: string | null;
  hold: { reason: string; by: string; at: string } | null;
  expiry: { rule: string; periodEndedAt: string; startedAt: string; completedAt: string | null; objects: number; bytes: number } | null;
}

/**
 * A recording's retention where the recording itself is shown (its list, its replay page): no
 * expiry's details, and the holder as people know them: a user's badge and name; the operator's
 * command line, which has no account, by its actor (`cli:<login>`) with no badge.
 */
export interface ShownRetention extends Pick<RetentionView, 'category' | 'state' | 'keptUntil'> {
  hold: (NonNullable<RetentionView['hold']> & { holder: { badge: string; name: string } }) | null;
}

type ViewDeps = Pick<PlanDeps, 'repos' | 'periods'>;

/** Retention as people see it, read from the repositories with the periods of this server. */
export class RetentionViews {
  constructor(private readonly d: ViewDeps) {}

  async of(recordingId: string): Promise<RetentionView> {
    const view = (await retentionsOf(this.d, [recordingId]))[0];
    if (!view) throw new RecordingNotFound(recordingId);
    return view;
  }

  /** Each recording's retention as shown with it, by id; read at once for a list. */
  async shown(recordingIds: readonly string[]): Promise<Map<string, ShownRetention>> {
    const { d } = this;
    const views = await retentionsOf(d, recordingIds);
    const userIds = [...new Set(views.flatMap((v) => (v.hold?.by.startsWith('user:') ? [v.hold.by.slice(5)] : [])))];
    const people = new Map<string, { badge: string; name: string }>(userIds.length === 0 ? [] : (await d.repos.users.people(userIds)).map((u) => [`user:${u.id}`, u]));
    const holderOf = (by: string) => {
      const user = people.get(by);
      return user ? { badge: user.badge, name: user.name } : { badge: '', name: by };
    };
    return new Map(views.map((v) => [v.recordingId, { category: v.category, state: v.state, keptUntil: v.keptUntil, hold: v.hold && { ...v.hold, holder: holderOf(v.hold.by) } }]));
  }
}

async function retentionsOf(d: ViewDeps, recordingIds: readonly string[]): Promise<RetentionView[]> {
  if (recordingIds.length === 0) return [];
  const rows = await d.repos.retention.retentionStates(recordingIds);
  return rows.map((row) => {
    const held = row.hold_at !== null;
    const linked = Boolean(row.linked);
    const category = shownCategory({ held, linked });
    const unlinkedEnd = row.ended_at ? unlinkedPeriodEnd(row.ended_at, d.periods.unlinkedMs).toISOString() : null;
    const keptUntil = category === 'hold' ? null : category === 'case' ? (row.archived ? row.retain_until : null) : laterIso(unlinkedEnd, row.retain_until);
    return {
      recordingId: row.id,
      category,
      state: row.started_at === null ? 'kept' : row.completed_at === null ? 'expiring' : 'expired',
      keptUntil,
      hold: held ? { reason: row.hold_reason!, by: row.hold_by!, at: row.hold_at! } : null,
      expiry:
        row.started_at === null
          ? null
          : {
              rule: row.rule!,
              periodEndedAt: row.period_ended_at!,
              startedAt: row.started_at,
              completedAt: row.completed_at,
              objects: row.objects!,
              bytes: row.bytes!,
            },
    };
  });
}

/** An unlinked recording's own period, or a later lock a case once gave it. */
function laterIso(periodEnd: string | null, extended: string | null): string | null {
  if (periodEnd === null || extended === null) return periodEnd;
  return periodEnd > extended ? periodEnd : extended;
}
