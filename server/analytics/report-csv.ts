/**
 * A report as CSV for 案卷评查 and 评议考核 spreadsheets: UTF-8 with a byte-order mark (without it
 * Excel reads the Chinese headers as another code page), CRLF lines, one row per key and a total.
 */
import { type Figure, FIGURES, type Figures, type GroupBy } from './figures.ts';
import type { AnalyticsReport } from './report.ts';

const BOM = '\uFEFF';

const KEY_HEADER: Record<GroupBy, string> = { unit: '单位', officer: '执法人员（执法证号）', period: '月份' };

export const FIGURE_HEADERS: Record<Figure, string> = {
  recordings: '录像数',
  hours: '录像时长（小时）',
  lateUploads: '逾期上传',
  gapsWithoutReason: '无原因中断',
  actionsUnrecorded: '应录未录',
  overdueArchives: '逾期归档',
  clockDriftFlags: '时钟偏差',
  tracedLeaks: '追溯到的泄露',
};

export const NO_OFFICER = '（无执法人员）';
export const TOTAL = '合计';

/**
 * Quoted where CSV needs it; a cell a spreadsheet would run as a formula (=, +, -, @) is led by
 * an apostrophe: keys come from what people typed, and a unit code or badge may begin with '-'.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const line = (cells: (string | number)[]): string => `${cells.map(csvCell).join(',')}\r\n`;
const figureCells = (f: Figures): number[] => FIGURES.map((name) => f[name]);

export function reportCsv(report: AnalyticsReport): string {
  return (
    BOM +
    line([KEY_HEADER[report.groupBy], ...FIGURES.map((name) => FIGURE_HEADERS[name])]) +
    report.rows.map((r) => line([r.key ?? NO_OFFICER, ...figureCells(r)])).join('') +
    line([TOTAL, ...figureCells(report.totals)])
  );
}
