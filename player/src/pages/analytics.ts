/**
 * 数据分析 (004 §19): the compliance figures per unit, per officer and per month, for a Beijing
 * month or a range of days, each table with its chart and a CSV export; below them, the storage
 * that retention keeps (storage-panel.ts). Auditors choose a unit or all; an agency head or the
 * legal office sees their own unit (the server decides either way).
 */
import { describeError } from '../api.ts';
import { type AnalyticsReport, type AnalyticsScope, downloadAnalyticsCsv, type Figure, FIGURES, FINDINGS, type FigureRow, getAnalytics, type GroupBy } from '../api-analytics.ts';
import { barChart } from '../chart.ts';
import { h } from '../dom.ts';
import { DASH, formatDateTime } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';
import { createStoragePanel } from '../storage-panel.ts';

const KEY_COLUMN: Record<GroupBy, MessageKey> = { unit: 'analytics.col.unit', officer: 'analytics.col.officer', period: 'analytics.col.period' };
const SECTION_TITLE: Record<GroupBy, MessageKey> = { unit: 'analytics.byUnit', officer: 'analytics.byOfficer', period: 'analytics.byPeriod' };
const figureKey = (f: Figure): MessageKey => `analytics.fig.${f}`;

/** Which chart each table gets: the volume per unit, the findings per officer and per month. */
function chartOf(report: AnalyticsReport): HTMLElement {
  const categories = report.rows.map((r) => r.key ?? DASH);
  const findings = FINDINGS.map((f) => ({ id: f, label: () => t(figureKey(f)), values: report.rows.map((r) => r[f]) }));
  switch (report.groupBy) {
    case 'unit':
      return barChart({
        title: () => t('analytics.chart.hoursByUnit'),
        xTitle: () => t('analytics.axis.unit'),
        yTitle: () => t('analytics.axis.hours'),
        categories,
        series: [{ id: 'hours', label: () => t('analytics.fig.hours'), values: report.rows.map((r) => r.hours) }],
        stacked: false,
        integer: false,
      });
    case 'officer':
      return barChart({
        title: () => t('analytics.chart.findingsByOfficer'),
        xTitle: () => t('analytics.axis.officer'),
        yTitle: () => t('analytics.axis.count'),
        categories,
        series: findings,
        stacked: true,
        integer: true,
      });
    case 'period':
      return barChart({
        title: () => t('analytics.chart.findingsByMonth'),
        xTitle: () => t('analytics.axis.month'),
        yTitle: () => t('analytics.axis.count'),
        categories,
        series: findings,
        stacked: true,
        integer: true,
      });
  }
}

function figureCells(f: Record<Figure, number>): HTMLTableCellElement[] {
  return FIGURES.map((name) => h('td', { class: 'num', 'data-figure': name }, String(f[name])));
}

function keyCell(row: FigureRow): HTMLTableCellElement {
  const td = h('td', { 'data-testid': 'analytics-key' });
  setText(td, () => row.key ?? t('analytics.noOfficer'));
  return td;
}

function tableOf(report: AnalyticsReport): HTMLElement {
  const total = h('td', { style: 'font-weight:600' });
  setText(total, () => t('analytics.total'));
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'data-table', 'data-testid': 'analytics-table' },
      h('thead', {}, h('tr', {}, h('th', {}, label(KEY_COLUMN[report.groupBy])), ...FIGURES.map((f) => h('th', { class: 'num' }, label(figureKey(f)))))),
      h('tbody', {}, ...report.rows.map((r) => h('tr', { 'data-testid': 'analytics-row', 'data-key': r.key ?? '' }, keyCell(r), ...figureCells(r)))),
      h('tfoot', {}, h('tr', { 'data-testid': 'analytics-total', style: 'font-weight:600' }, total, ...figureCells(report.totals))),
    ),
  );
}

/** One grouping: its heading with the CSV button, then its chart and table once loaded. */
function section(groupBy: GroupBy, signal: AbortSignal) {
  const exportStatus = h('span', { class: 'error', role: 'status' });
  const exportButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'export-csv' }, label('analytics.exportCsv'));
  const body = h('div');
  const root = h(
    'section',
    { 'data-testid': `analytics-${groupBy}`, style: 'margin-top:20px' },
    h('div', { style: 'display:flex;align-items:center;gap:12px;margin-bottom:8px' }, h('h2', { style: 'margin:0' }, label(SECTION_TITLE[groupBy])), exportButton, exportStatus),
    body,
  );
  let scope: AnalyticsScope | undefined;
  exportButton.addEventListener('click', () => {
    if (!scope) return;
    exportButton.disabled = true;
    setText(exportStatus, () => '');
    downloadAnalyticsCsv(groupBy, scope, signal)
      .catch((err: unknown) => {
        if (!signal.aborted) setText(exportStatus, () => t('analytics.exportFailed', { error: describeError(err) }));
      })
      .finally(() => {
        exportButton.disabled = false;
      });
  });
  const show = (report: AnalyticsReport, shown: AnalyticsScope): void => {
    scope = shown;
    body.replaceChildren(chartOf(report), tableOf(report));
  };
  return { root, show, clear: () => body.replaceChildren() };
}

/** The first day not covered, for an inclusive end date. */
function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function field(input: HTMLInputElement | HTMLSelectElement, key: MessageKey): HTMLDivElement {
  return h('div', { class: 'filter' }, h('label', { for: input.id }, label(key)), input);
}

export function analyticsPage({ root, signal }: PageContext): void {
  const user = currentUser();
  const auditor = user?.role === 'auditor';
  const thisMonth = formatDateTime(new Date()).slice(0, 7);

  const mode = h('select', { id: 'analytics-mode', name: 'mode', style: 'font:inherit;padding:6px 8px' }, h('option', { value: 'month' }), h('option', { value: 'range' }));
  const [monthOption, rangeOption] = [...mode.options] as [HTMLOptionElement, HTMLOptionElement];
  setText(monthOption, () => t('analytics.mode.month'));
  setText(rangeOption, () => t('analytics.mode.range'));
  const month = h('input', { id: 'analytics-month', name: 'month', type: 'month', value: thisMonth });
  const from = h('input', { id: 'analytics-from', name: 'from', type: 'date' });
  const to = h('input', { id: 'analytics-to', name: 'to', type: 'date' });
  const unit = h('input', { id: 'analytics-unit', name: 'unit', type: 'text', maxlength: '64' });
  const monthField = field(month, 'analytics.month');
  const rangeFields = [field(from, 'analytics.from'), field(to, 'analytics.to')];
  const ownUnit = h('span', { class: 'notice' });
  setText(ownUnit, () => t('analytics.ownUnit', { unit: user?.unit ?? DASH }));
  const form = h(
    'form',
    { class: 'card filters', 'data-testid': 'analytics-filters' },
    field(mode, 'analytics.periodMode'),
    monthField,
    ...rangeFields,
    auditor ? field(unit, 'analytics.unit') : ownUnit,
    h('button', { type: 'submit', class: 'primary' }, label('analytics.query')),
  );
  const showMode = (): void => {
    monthField.hidden = mode.value !== 'month';
    for (const f of rangeFields) f.hidden = mode.value !== 'range';
  };
  mode.addEventListener('change', showMode);
  showMode();

  const status = h('p', { class: 'notice', 'data-testid': 'analytics-status' });
  const sections = (['unit', 'officer', 'period'] as const).map((g) => [g, section(g, signal)] as const);
  const subtitle = h('p', { class: 'notice' }, label('analytics.subtitle'));
  const storage = createStoragePanel(signal);
  root.append(h('h1', {}, label('analytics.title')), subtitle, form, status, ...sections.map(([, s]) => s.root), storage.root);

  // Each query supersedes the one before, so a slow answer cannot overwrite a newer one.
  let previous: AbortController | undefined;
  const load = (): void => {
    const period = mode.value === 'month' ? { month: month.value } : { from: from.value, to: to.value && dayAfter(to.value) };
    if (('month' in period && !period.month) || ('from' in period && (!period.from || !period.to || period.from >= period.to))) {
      status.classList.add('error');
      setText(status, () => t('analytics.invalidRange'));
      return;
    }
    const scope: AnalyticsScope = { ...period, ...(auditor && unit.value.trim() ? { unit: unit.value.trim() } : {}) };
    // Storage is counted as it stands now: it follows the unit, not the period.
    storage.load(scope.unit);
    previous?.abort();
    previous = new AbortController();
    const querySignal = AbortSignal.any([signal, previous.signal]);
    status.classList.remove('error');
    setText(status, () => t('loading'));
    for (const [, s] of sections) s.clear();
    Promise.all(sections.map(([groupBy]) => getAnalytics(groupBy, scope, querySignal))).then(
      (reports) => {
        reports.forEach((report, i) => sections[i]![1].show(report, scope));
        const [first] = reports;
        const empty = first!.totals.recordings === 0 && FINDINGS.every((f) => first!.totals[f] === 0);
        const lastDay = new Date(Date.parse(first!.to) - 1);
        setText(
          status,
          () =>
            `${t('analytics.scope', { unit: first!.unit ?? t('analytics.allUnits'), from: formatDateTime(first!.from).slice(0, 10), to: formatDateTime(lastDay).slice(0, 10) })}${empty ? ` ${t('analytics.empty')}` : ''}`,
        );
      },
      (err: unknown) => {
        if (querySignal.aborted) return;
        status.classList.add('error');
        setText(status, () => describeError(err));
      },
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  load();
}
