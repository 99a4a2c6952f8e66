/**
 * Periods of the compliance analytics in Beijing time, worked out in TypeScript rather than in SQL
 * date functions, so SQLite and PostgreSQL agree. China has kept +08:00 all year since 1991: a
 * month in Asia/Shanghai is a fixed offset from UTC, no time-zone database needed.
 */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** `YYYY-MM-DD`: the calendar day in Asia/Shanghai of an instant. */
export function shanghaiDayOf(instant: string | Date): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM`: the calendar month in Asia/Shanghai of an instant. */
export const shanghaiMonthOf = (instant: string | Date): string => shanghaiDayOf(instant).slice(0, 7);

/** The instant a Shanghai calendar day (`YYYY-MM-DD`) begins. */
export function shanghaiDayStart(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) - SHANGHAI_OFFSET_MS);
}

/** [from, to) of a Shanghai calendar month (`YYYY-MM`). */
export function shanghaiMonthRange(month: string): { from: Date; to: Date } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(y, m - 1, 1) - SHANGHAI_OFFSET_MS), to: new Date(Date.UTC(y, m, 1) - SHANGHAI_OFFSET_MS) };
}

/** Every month key that [from, to) touches, oldest first: the period table shows empty months too. */
export function monthsIn(from: Date, to: Date): string[] {
  const months: string[] = [];
  if (to <= from) return months;
  const last = shanghaiMonthOf(new Date(to.getTime() - 1));
  for (let month = shanghaiMonthOf(from); month <= last; month = shanghaiMonthOf(shanghaiMonthRange(month).to)) months.push(month);
  return months;
}
