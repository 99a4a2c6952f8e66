/**
 * What retention keeps and frees (`liuhen retention report`): bytes and recordings per unit and
 * category, what expired, what reaches the end of its period within the next 30 days, and how
 * much is sealed each day. Sizes come from the database (the ledger, workers' products, exports),
 * not from listing the store.
 */
import { shanghaiDayOf, shanghaiDayStart } from '../analytics/periods.ts';
import type { PlanDeps } from './expiry-plan.ts';
import { type ShownCategory, shownCategory, unlinkedPeriodEnd } from './retention-rules.ts';

export const EXPIRING_WITHIN_DAYS = 30;
/** How many days of growth a report shows unless asked for another span. */
export const GROWTH_DAYS = 30;
const DAY_MS = 86_400_000;

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
  growth: Growth;
}

/** What the store grew by: the bytes sealed into the ledger on each Beijing day, per unit. */
export interface Growth {
  /** `YYYY-MM-DD`, Beijing days, oldest first; the last is today */
  days: string[];
  /** `bytes[i]`: sealed on `days[i]`; only units that sealed something in the span */
  units: Array<{ unit: string; bytes: number[] }>;
}

type ReportDeps = Pick<PlanDeps, 'repos' | 'periods' | 'clock'>;

const byUnit = <T extends { unit: string }>(a: T, b: T) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0);

export class RetentionReports {
  constructor(private readonly d: ReportDeps) {}

  /** `unit`: one unit's figures; null for every unit. `growthDays`: how many days of growth, today's included. */
  async report(unit: string | null = null, growthDays = GROWTH_DAYS): Promise<RetentionReport> {
    const { d } = this;
    const now = d.clock.now();
    const horizon = now.getTime() + EXPIRING_WITHIN_DAYS * 86_400_000;
    const recordings = await d.repos.retention.keptBytes(unit);

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
    return {
      at: now.toISOString(),
      rows: [...rows.values()].sort((a, b) => byUnit(a, b) || (a.category < b.category ? -1 : 1)),
      expiring: [...expiring.values()].sort(byUnit),
      growth: await growthOf(d, now, unit, growthDays),
    };
  }
}

/** The ledger's segment sizes by the Beijing day they were sealed. */
async function growthOf(d: ReportDeps, now: Date, unit: string | null, days: number): Promise<Growth> {
  const today = shanghaiDayStart(shanghaiDayOf(now)).getTime();
  const starts = Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * DAY_MS).toISOString());
  const rows = await d.repos.retention.sealedBytesByDay(starts, new Date(today + DAY_MS).toISOString(), unit);
  const units = new Map<string, number[]>();
  for (const r of rows) {
    const bytes = units.get(r.unit) ?? new Array<number>(days).fill(0);
    bytes[Number(r.day)] = Number(r.bytes);
    units.set(r.unit, bytes);
  }
  return {
    days: starts.map((start) => shanghaiDayOf(start)),
    units: [...units].map(([u, bytes]) => ({ unit: u, bytes })).sort(byUnit),
  };
}
