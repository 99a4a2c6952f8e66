/** The compliance analytics API (server/http/analytics-routes.ts) and its shapes. */
import { request } from './api.ts';
import { saveFile } from './save-file.ts';

export type GroupBy = 'unit' | 'officer' | 'period';

export const FIGURES = ['recordings', 'hours', 'lateUploads', 'gapsWithoutReason', 'actionsUnrecorded', 'overdueArchives', 'clockDriftFlags', 'tracedLeaks'] as const;
export type Figure = (typeof FIGURES)[number];
/** Everything counted against the rules, as opposed to the volume of recording. */
export const FINDINGS: readonly Figure[] = ['lateUploads', 'gapsWithoutReason', 'actionsUnrecorded', 'overdueArchives', 'clockDriftFlags', 'tracedLeaks'];

export type Figures = Record<Figure, number>;

export interface FigureRow extends Figures {
  /** a unit code, a badge (null: no officer, e.g. a hall camera), or a `YYYY-MM` month */
  key: string | null;
}

export interface AnalyticsReport {
  groupBy: GroupBy;
  from: string;
  to: string;
  unit: string | null;
  rows: FigureRow[];
  totals: Figures;
}

/** A Beijing month (`YYYY-MM`), or Beijing days [from, to) (`YYYY-MM-DD`); a unit for auditors. */
export type AnalyticsScope = ({ month: string } | { from: string; to: string }) & { unit?: string };

function query(groupBy: GroupBy, scope: AnalyticsScope): string {
  const params = new URLSearchParams({ groupBy });
  for (const [name, value] of Object.entries(scope)) if (value) params.set(name, value);
  return params.toString();
}

export function getAnalytics(groupBy: GroupBy, scope: AnalyticsScope, signal: AbortSignal): Promise<AnalyticsReport> {
  return request('GET', `/api/analytics?${query(groupBy, scope)}`, signal);
}

/** The same table as CSV from the server (audited there as an export), saved under the server's file name. */
export function downloadAnalyticsCsv(groupBy: GroupBy, scope: AnalyticsScope, signal: AbortSignal): Promise<void> {
  return saveFile(`/api/analytics.csv?${query(groupBy, scope)}`, `liuhen-analytics-${groupBy}.csv`, signal);
}
