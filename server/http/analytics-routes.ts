/**
 * Compliance analytics over HTTP: the figures of one grouping as JSON, or the same table as CSV.
 * Every read and every export is audited with its scope; refusals too (004 §18: supervision of
 * access covers the supervisors' own reports).
 */
import { type Request, type Response, Router } from 'express';
import { analyticsQuerySchema } from '../analytics/analytics-query.ts';
import { shanghaiDayOf } from '../analytics/periods.ts';
import { type AnalyticsReport, analyticsReport } from '../analytics/report.ts';
import { reportCsv } from '../analytics/report-csv.ts';
import { defaultAnalyticsUnit, mayReadAnalytics } from '../policy/analytics-policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

export function analyticsRoutes(d: ApiDeps): Router {
  const r = Router();

  const report = async (req: Request, res: Response, action: 'analytics.read' | 'analytics.export'): Promise<AnalyticsReport> => {
    const { viewer } = authOf(res);
    const q = analyticsQuerySchema.parse(req.query);
    const unit = q.unit ?? defaultAnalyticsUnit(viewer);
    await enforce(d.audit, req, viewer, mayReadAnalytics(viewer, unit), action, unit);
    const made = await analyticsReport(d.db, { from: q.from, to: q.to, unit }, q.groupBy, new Date());
    const ctx = contextOf(req);
    await d.audit.record({
      actor: `user:${viewer.id}`, action, subject: unit, outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent,
      detail: { groupBy: made.groupBy, from: made.from, to: made.to, unit, rows: made.rows.length },
    });
    return made;
  };

  r.get('/analytics', requireAuth(d.auth), async (req, res) => {
    res.json(await report(req, res, 'analytics.read'));
  });

  r.get('/analytics.csv', requireAuth(d.auth), async (req, res) => {
    const made = await report(req, res, 'analytics.export');
    // Beijing days, as the period was asked for; `to` is the first day not covered.
    const name = `liuhen-analytics-${made.groupBy}-${made.unit ?? 'all'}-${shanghaiDayOf(made.from)}-${shanghaiDayOf(made.to)}.csv`;
    res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="${name}"`).send(reportCsv(made));
  });
  return r;
}
