/**
 * The compliance figures (数据分析, 004 §19, 002 §33) as a pure tabulation: the loaders turn rows
 * of the database into facts, and this file counts facts into one table per grouping. A fact is
 * one thing that happened once — a recording, a gap, a missing recording, an overdue archive, a
 * traced leak — with the unit and the officers answerable for it and when it happened.
 */
import { monthsIn, shanghaiMonthOf } from './periods.ts';

export const GROUPINGS = ['unit', 'officer', 'period'] as const;
export type GroupBy = (typeof GROUPINGS)[number];

/** What is counted, in the order the tables show it. */
export const FIGURES = ['recordings', 'hours', 'lateUploads', 'gapsWithoutReason', 'actionsUnrecorded', 'overdueArchives', 'clockDriftFlags', 'tracedLeaks'] as const;
export type Figure = (typeof FIGURES)[number];

/** What a fact adds; `durationMs` becomes the `hours` figure. */
type Counted = Exclude<Figure, 'hours'> | 'durationMs';

export interface Fact extends Partial<Record<Counted, number>> {
  unit: string;
  /** the officers answerable (a case's officers); none for a hall camera's recording */
  badges: string[];
  /** RFC 3339: puts the fact in its month */
  at: string;
}

export type Figures = Record<Figure, number>;

/** What a report covers: facts in [from, to), of one unit or (null) of every unit. */
export interface AnalyticsScope {
  from: Date;
  to: Date;
  unit: string | null;
}

export interface FigureRow extends Figures {
  /** a unit code, an officer's badge (null: no officer, e.g. a hall camera), or a `YYYY-MM` month */
  key: string | null;
}

export interface FigureTable {
  rows: FigureRow[];
  /** each fact once, though a case with two officers shows in both officers' rows */
  totals: Figures;
}

type Sums = Record<Counted, number>;

const zero = (): Sums => ({ recordings: 0, durationMs: 0, lateUploads: 0, gapsWithoutReason: 0, actionsUnrecorded: 0, overdueArchives: 0, clockDriftFlags: 0, tracedLeaks: 0 });

function add(into: Sums, f: Fact): void {
  for (const name of Object.keys(into) as Counted[]) into[name] += f[name] ?? 0;
}

/** Hours to two decimals, from the summed milliseconds (summing rounded hours would drift). */
export const hoursOf = (durationMs: number): number => Math.round(durationMs / 36_000) / 100;

function figuresOf(s: Sums): Figures {
  return Object.fromEntries(FIGURES.map((name) => [name, name === 'hours' ? hoursOf(s.durationMs) : s[name]])) as Figures;
}

function keysOf(f: Fact, groupBy: GroupBy): (string | null)[] {
  if (groupBy === 'unit') return [f.unit];
  if (groupBy === 'period') return [shanghaiMonthOf(f.at)];
  return f.badges.length === 0 ? [null] : [...new Set(f.badges)];
}

/** Ascending keys, the row without an officer last. */
function byKey(a: FigureRow, b: FigureRow): number {
  if (a.key === b.key) return 0;
  if (a.key === null) return 1;
  if (b.key === null) return -1;
  return a.key < b.key ? -1 : 1;
}

/** The period table lists every month of the range, empty ones too, so a chart's gaps are real. */
export function tabulate(facts: Fact[], groupBy: GroupBy, range: Pick<AnalyticsScope, 'from' | 'to'>): FigureTable {
  const sums = new Map<string | null, Sums>();
  if (groupBy === 'period') for (const month of monthsIn(range.from, range.to)) sums.set(month, zero());
  const totals = zero();
  for (const f of facts) {
    add(totals, f);
    for (const key of keysOf(f, groupBy)) {
      let s = sums.get(key);
      if (!s) sums.set(key, (s = zero()));
      add(s, f);
    }
  }
  const rows = [...sums].map(([key, s]) => ({ key, ...figuresOf(s) })).sort(byKey);
  return { rows, totals: figuresOf(totals) };
}
