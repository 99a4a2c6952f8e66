/**
 * Compliance analytics over HTTP: the figures of one grouping as JSON, or the same table as CSV.
 * Every read and every export is audited with its scope; refusals too (004 §18: supervision of
 * access covers the supervisors' own reports).
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { type AnalyticsQuery, analyticsQuerySchema } from '../analytics/analytics-query.ts';
import { FIGURES, GROUPINGS } from '../analytics/figures.ts';
import { shanghaiDayOf } from '../analytics/periods.ts';
import type { AnalyticsReport } from '../analytics/report.ts';
import { reportCsv } from '../analytics/report-csv.ts';
import { defaultAnalyticsUnit, mayReadAnalytics } from '../policy/analytics-policy.ts';
import { contract, media } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const figuresSchema = z.object(Object.fromEntries(FIGURES.map((f) => [f, z.number()])) as Record<(typeof FIGURES)[number], z.ZodNumber>).strict();
const reportSchema = z
  .object({
    groupBy: z.enum(GROUPINGS),
    from: z.string(),
    to: z.string(),
    unit: z.string().nullable().describe('null: every unit'),
    rows: z.array(figuresSchema.extend({ key: z.string().nullable().describe('a unit, a badge (null: no officer) or a month YYYY-MM') })),
    totals: figuresSchema,
  })
  .strict();

export function analyticsRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);

  const report = async (q: AnalyticsQuery, req: Request, res: Response, action: 'analytics.read' | 'analytics.export'): Promise<AnalyticsReport> => {
    const { viewer } = authOf(res);
    const unit = q.unit ?? defaultAnalyticsUnit(viewer);
    await enforce(d.audit, req, viewer, mayReadAnalytics(viewer, unit), action, unit);
    const made = await d.analytics.report({ from: q.from, to: q.to, unit }, q.groupBy);
    const ctx = contextOf(req);
    await d.audit.record({
      actor: `user:${viewer.id}`,
      action,
      subject: unit,
      outcome: 'ok',
      address: ctx.address,
      userAgent: ctx.userAgent,
      detail: { groupBy: made.groupBy, from: made.from, to: made.to, unit, rows: made.rows.length },
    });
    return made;
  };

  const spec = { method: 'get', caller: 'user', guard: requireAuth(d.auth), query: analyticsQuerySchema } as const;
  route({ ...spec, path: '/analytics', summary: 'compliance figures of one grouping', responses: { 200: reportSchema } }, async (input, req, res) => {
    res.json(await report(input.query, req, res, 'analytics.read'));
  });

  route(
    {
      ...spec,
      path: '/analytics.csv',
      summary: 'the same figures as a CSV table',
      responses: { 200: media('text/csv', 'UTF-8 with a byte-order mark, Chinese headers, 合计 last') },
    },
    async (input, req, res) => {
      const made = await report(input.query, req, res, 'analytics.export');
      // Beijing days, as the period was asked for; `to` is the first day not covered.
      const name = `liuhen-analytics-${made.groupBy}-${made.unit ?? 'all'}-${shanghaiDayOf(made.from)}-${shanghaiDayOf(made.to)}.csv`;
      res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="${name}"`).send(reportCsv(made));
    },
  );
  return r;
}
