/**
 * What retention keeps and frees (`liuhen retention report`): bytes and recordings per unit and
 * category, what expired, and what reaches the end of its period within the next 30 days. Sizes
 * come from the database (the ledger, workers' products, exports), not from listing the store.
 */
import { sql } from 'kysely';
import { linkedToAnyCase } from '../cases/case-links.ts';
import type { PlanDeps } from './expiry-plan.ts';
import { nowOf } from './retention-deps.ts';
import { type ShownCategory, shownCategory, unlinkedPeriodEnd } from './retention-rules.ts';

export const EXPIRING_WITHIN_DAYS = 30;

export interface RetentionReportRow {
  unit: string;
  category: ShownCategory | 'expired';
  recordings: number;
  /** kept bytes; for `expired`, the bytes freed */
  bytes: number;
}

export interface RetentionReport {
  at: string;
  rows: RetentionReportRow[];
  /** unlinked, unheld recordings whose period ends within EXPIRING_WITHIN_DAYS (or has ended), per unit */
  expiring: Array<{ unit: string; recordings: number; bytes: number }>;
}

/** `unit`: one unit's figures; null for every unit. */
export async function retentionReport(d: Pick<PlanDeps, 'db' | 'periods' | 'now'>, unit: string | null = null): Promise<RetentionReport> {
  const now = nowOf(d);
  const horizon = now.getTime() + EXPIRING_WITHIN_DAYS * 86_400_000;
  const sum = (table: 'ledger_entries' | 'derivatives' | 'exports') => sql<number>`(select coalesce(sum(size), 0) from ${sql.table(table)} t where t.recording_id = recordings.id)`;
  const recordings = await d.db
    .selectFrom('recordings')
    .leftJoin('recording_retention', 'recording_retention.recording_id', 'recordings.id')
    .leftJoin('recording_expiries', 'recording_expiries.recording_id', 'recordings.id')
    .select((eb) => [
      'recordings.unit', 'recordings.state', 'recordings.ended_at', 'recording_retention.hold_at', 'recording_expiries.completed_at', 'recording_expiries.bytes as freed',
      sql<number>`case when ${linkedToAnyCase(eb)} then 1 else 0 end`.as('linked'),
      sum('ledger_entries').as('sealed_bytes'), sum('derivatives').as('derived_bytes'), sum('exports').as('exported_bytes'),
    ])
    .$if(unit !== null, (q) => q.where('recordings.unit', '=', unit!))
    .execute();

  const rows = new Map<string, RetentionReportRow>();
  const expiring = new Map<string, { unit: string; recordings: number; bytes: number }>();
  for (const r of recordings) {
    const expired = r.completed_at !== null;
    const category = expired ? 'expired' : shownCategory({ held: r.hold_at !== null, linked: Boolean(r.linked) });
    const bytes = expired ? Number(r.freed ?? 0) : Number(r.sealed_bytes) + Number(r.derived_bytes) + Number(r.exported_bytes);
    const row = rows.get(`${r.unit}\u0000${category}`) ?? { unit: r.unit, category, recordings: 0, bytes: 0 };
    row.recordings += 1;
    row.bytes += bytes;
    rows.set(`${r.unit}\u0000${category}`, row);
    if (category === 'unlinked' && r.state === 'closed' && r.ended_at && unlinkedPeriodEnd(r.ended_at, d.periods.unlinkedMs).getTime() <= horizon) {
      const e = expiring.get(r.unit) ?? { unit: r.unit, recordings: 0, bytes: 0 };
      e.recordings += 1;
      e.bytes += bytes;
      expiring.set(r.unit, e);
    }
  }
  const byUnit = <T extends { unit: string }>(a: T, b: T) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0);
  return {
    at: now.toISOString(),
    rows: [...rows.values()].sort((a, b) => byUnit(a, b) || (a.category < b.category ? -1 : 1)),
    expiring: [...expiring.values()].sort(byUnit),
  };
}
