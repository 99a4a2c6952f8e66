/**
 * The analytics page's storage panel (issue 17): what the evidence store keeps per unit and
 * retention category, what expiry freed, what reaches the end of its period within 30 days, and
 * a chart of the bytes sealed each day. The figures are now's, whatever period the page shows;
 * each cell carries its exact bytes beside the rounded words.
 */
import { describeError } from './api.ts';
import { getRetentionReport, type ReportCategory, type RetentionReport } from './api-retention.ts';
import { barChart } from './chart.ts';
import { h } from './dom.ts';
import { byteUnitOf, formatBytes, formatDateTime } from './format.ts';
import { label, setText, t } from './i18n.ts';
import { retentionCategoryText } from './retention-labels.ts';

const CATEGORIES: ReportCategory[] = ['unlinked', 'case', 'hold', 'expired'];
/** The server's horizon for `expiring` (server/retention/retention-report.ts EXPIRING_WITHIN_DAYS). */
const EXPIRING_DAYS = 30;

type Figure = { recordings: number; bytes: number };
const NONE: Figure = { recordings: 0, bytes: 0 };

function figureCell(f: Figure, attrs: Record<string, string>): HTMLTableCellElement {
  const count = h('div', { class: 'notice', style: 'margin:0;font-size:12px' });
  setText(count, () => t('storage.recordings', { count: f.recordings }));
  return h('td', { class: 'num', 'data-bytes': String(f.bytes), 'data-recordings': String(f.recordings), ...attrs }, formatBytes(f.bytes), count);
}

function sum(figures: Figure[]): Figure {
  return figures.reduce((a, b) => ({ recordings: a.recordings + b.recordings, bytes: a.bytes + b.bytes }), NONE);
}

function tableOf(report: RetentionReport): HTMLElement {
  const units = [...new Set(report.rows.map((r) => r.unit))];
  const figure = (unit: string, category: ReportCategory): Figure => report.rows.find((r) => r.unit === unit && r.category === category) ?? NONE;
  const expiring = (unit: string): Figure => report.expiring.find((e) => e.unit === unit) ?? NONE;
  const heading = (text: () => string) => {
    const th = h('th', { class: 'num' });
    setText(th, text);
    return th;
  };
  const head = [h('th', {}, label('storage.col.unit')), ...CATEGORIES.map((c) => heading(() => retentionCategoryText(c))), heading(() => t('storage.col.expiring', { days: EXPIRING_DAYS }))];
  const cells = (of: (category: ReportCategory) => Figure, soon: Figure) => [...CATEGORIES.map((c) => figureCell(of(c), { 'data-category': c })), figureCell(soon, { 'data-category': 'expiring' })];
  const total = h('td');
  setText(total, () => t('storage.total'));
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'data-table', 'data-testid': 'storage-table' },
      h('thead', {}, h('tr', {}, ...head)),
      h('tbody', {}, ...units.map((u) => h('tr', { 'data-testid': 'storage-row', 'data-unit': u }, h('td', {}, u), ...cells((c) => figure(u, c), expiring(u))))),
      h('tfoot', {}, h('tr', { 'data-testid': 'storage-total', style: 'font-weight:600' }, total, ...cells((c) => sum(units.map((u) => figure(u, c))), sum(report.expiring)))),
    ),
  );
}

/** Growth as stacked bars per unit, in the unit of the busiest day so that the bars read as numbers. */
function growthChart(report: RetentionReport): HTMLElement {
  const { days, units } = report.growth;
  const busiest = Math.max(0, ...days.map((_, i) => units.reduce((n, u) => n + (u.bytes[i] ?? 0), 0)));
  const { unit, size } = byteUnitOf(busiest);
  return barChart({
    title: () => t('storage.chart.growth', { days: days.length }),
    xTitle: () => t('storage.axis.day'),
    yTitle: () => unit,
    categories: days,
    series: units.map((u) => ({ id: u.unit, label: () => u.unit, values: u.bytes.map((b) => Math.round((b / size) * 100) / 100) })),
    stacked: true,
    integer: false,
  });
}

/** The panel, and `load` to show a unit's figures (undefined: the server's default, every unit for an auditor). */
export function createStoragePanel(signal: AbortSignal): { root: HTMLElement; load: (unit: string | undefined) => void } {
  const subtitle = h('p', { class: 'notice' });
  setText(subtitle, () => t('storage.subtitle', { days: EXPIRING_DAYS }));
  const status = h('p', { class: 'notice', 'data-testid': 'storage-status' });
  const body = h('div');
  const root = h('section', { 'data-testid': 'analytics-storage', style: 'margin-top:20px' }, h('h2', {}, label('storage.title')), subtitle, status, body);

  // Each load supersedes the one before, so a slow answer cannot overwrite a newer one.
  let previous: AbortController | undefined;
  const load = (unit: string | undefined): void => {
    previous?.abort();
    previous = new AbortController();
    const loadSignal = AbortSignal.any([signal, previous.signal]);
    status.classList.remove('error');
    setText(status, () => t('loading'));
    body.replaceChildren();
    getRetentionReport(unit, loadSignal).then(
      (report) => {
        setText(status, () => `${t('storage.at', { at: formatDateTime(report.at) })}${report.rows.length === 0 ? ` ${t('storage.empty')}` : ` ${t('storage.expiredNote')}`}`);
        body.replaceChildren(tableOf(report), growthChart(report));
      },
      (err: unknown) => {
        if (loadSignal.aborted) return;
        status.classList.add('error');
        setText(status, () => describeError(err));
      },
    );
  };
  return { root, load };
}
