/**
 * The query of a report, checked at the edge: a grouping, a period — a Beijing-time calendar month,
 * or a custom [from, to) given as days (Beijing midnight) or instants — and optionally a unit.
 * Without a period, the current month.
 */
import { z } from 'zod';
import { unitSchema } from '../units.ts';
import { GROUPINGS } from './figures.ts';
import { shanghaiDayOf, shanghaiDayStart, shanghaiMonthOf, shanghaiMonthRange } from './periods.ts';

/** Ten years of months at most: a period table is one row per month. */
const MAX_SPAN_MS = 3660 * 24 * 3600_000;

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM');
const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const day = z
  .string()
  // Date.UTC rolls 2024-02-31 over to 2 March: a day that does not exist is refused, not moved.
  // (zod runs a refinement even after the pattern failed, hence the pattern inside it too.)
  .refine((d) => DAY.test(d) && shanghaiDayOf(shanghaiDayStart(d)) === d, 'a day is YYYY-MM-DD, and must exist');
const bound = z.union([
  day.transform(shanghaiDayStart),
  z
    .string()
    .datetime({ offset: true })
    .transform((s) => new Date(s)),
]);

export const analyticsQuerySchema = z
  .object({
    groupBy: z.enum(GROUPINGS).default('unit'),
    month: month.optional(),
    from: bound.optional(),
    to: bound.optional(),
    unit: unitSchema.optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.month !== undefined && (q.from !== undefined || q.to !== undefined)) ctx.addIssue({ code: 'custom', message: 'a month or a range, not both' });
    if ((q.from === undefined) !== (q.to === undefined)) ctx.addIssue({ code: 'custom', message: 'a range needs both from and to' });
    if (q.from && q.to && !(q.from < q.to && q.to.getTime() - q.from.getTime() <= MAX_SPAN_MS)) ctx.addIssue({ code: 'custom', message: 'from must come before to, at most ten years apart' });
  })
  .transform(({ groupBy, month: m, from, to, unit }) => ({ groupBy, unit, ...(from && to ? { from, to } : shanghaiMonthRange(m ?? shanghaiMonthOf(new Date()))) }));

export type AnalyticsQuery = z.output<typeof analyticsQuerySchema>;
