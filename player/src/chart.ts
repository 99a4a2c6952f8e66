/**
 * Bar charts drawn as SVG in-house (no chart library: the player ships only what it needs and
 * loads nothing from elsewhere). Words — title, axis titles, legend — are HTML around the drawing
 * and follow the language switch; inside the SVG there are only figures and codes (unit codes,
 * badges, months), which read the same in both languages.
 */
import { h } from './dom.ts';
import { setText } from './i18n.ts';

export interface BarSeries {
  /** stable name for tests and styling, e.g. the figure's */
  id: string;
  label: () => string;
  values: number[];
}

export interface BarChartSpec {
  title: () => string;
  xTitle: () => string;
  yTitle: () => string;
  /** one per bar group, language-neutral */
  categories: string[];
  series: BarSeries[];
  /** stacked: one bar per category adding up the series; otherwise side by side */
  stacked: boolean;
  /** counts: ticks on whole numbers */
  integer: boolean;
}

/** Colour-blind-safe (Okabe–Ito), darkest first for the most common single-series chart. */
const PALETTE = ['#1f4e8c', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];
const SVG_NS = 'http://www.w3.org/2000/svg';
const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, left: 48 };
/** Room for the category labels, level or slanted. */
const BOTTOM = { level: 24, slanted: 64 };
/** About one label character, in pixels at the labels' size. */
const CHAR_PX = 7;
const TICKS = 4;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

/** A step of 1, 2, 2.5 or 5 × 10ⁿ giving about TICKS ticks up to `max`. */
function tickStep(max: number, integer: boolean): number {
  if (max <= 0) return 1;
  const raw = max / TICKS;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return integer ? Math.max(1, Math.ceil(step)) : step;
}

const tickText = (v: number): string => String(Math.round(v * 100) / 100);

export function barChart(spec: BarChartSpec): HTMLElement {
  const n = spec.categories.length;
  const totals = spec.categories.map((_, i) => spec.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const highest = spec.stacked ? Math.max(0, ...totals) : Math.max(0, ...spec.series.flatMap((s) => s.values));
  const step = tickStep(highest, spec.integer);
  const top = Math.max(step, Math.ceil(highest / step) * step);

  const perGroup = spec.stacked ? 1 : spec.series.length;
  const longest = Math.max(0, ...spec.categories.map((c) => c.length));
  // Level labels while they fit a slot of reasonable width; slanted beyond that.
  const slanted = n > 12 || longest > 12;
  const slot = Math.max(48, perGroup * 14 + 16, slanted ? 0 : longest * CHAR_PX + 12);
  const width = Math.max(640, MARGIN.left + MARGIN.right + n * slot);
  const bottom = slanted ? BOTTOM.slanted : BOTTOM.level;
  const plotHeight = HEIGHT - MARGIN.top - bottom;
  const y = (v: number) => MARGIN.top + plotHeight - (v / top) * plotHeight;

  const drawing = svg('svg', { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'data-testid': 'chart-svg', 'font-size': 11, 'font-family': 'inherit' });
  for (let v = 0; v <= top + step / 2; v += step) {
    drawing.append(
      svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(v), y2: y(v), stroke: v === 0 ? '#6b7685' : '#dde2ea' }),
      svg('text', { x: MARGIN.left - 6, y: y(v) + 4, 'text-anchor': 'end', fill: '#6b7685', 'data-tick': tickText(v) }, tickText(v)),
    );
  }
  spec.categories.forEach((category, i) => {
    const x0 = MARGIN.left + i * slot + 8;
    const barWidth = (slot - 16) / perGroup;
    let base = 0;
    spec.series.forEach((s, j) => {
      const value = s.values[i] ?? 0;
      if (value === 0) return;
      const x = spec.stacked ? x0 : x0 + j * barWidth;
      const from = spec.stacked ? base : 0;
      base += value;
      drawing.append(
        svg(
          'rect',
          { x, y: y(from + value), width: Math.max(1, barWidth - (spec.stacked ? 0 : 2)), height: y(from) - y(from + value), fill: PALETTE[j % PALETTE.length]!, 'data-series': s.id, 'data-category': category, 'data-value': value },
          svg('title', {}, `${category}: ${value}`),
        ),
      );
    });
    const labelX = MARGIN.left + i * slot + slot / 2;
    const labelY = HEIGHT - bottom + 14;
    drawing.append(
      svg('text', slanted ? { x: labelX, y: labelY, 'text-anchor': 'end', transform: `rotate(-35 ${labelX} ${labelY})`, fill: '#1f2733' } : { x: labelX, y: labelY, 'text-anchor': 'middle', fill: '#1f2733' }, category),
    );
  });

  const caption = h('figcaption', { style: 'font-weight:600;margin-bottom:6px' });
  setText(caption, spec.title);
  const legend = h(
    'ul',
    { 'data-testid': 'chart-legend', style: 'display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;margin:0 0 6px;padding:0;font-size:12px' },
    ...spec.series.map((s, j) => {
      const text = h('span');
      setText(text, s.label);
      return h('li', { 'data-series': s.id }, h('span', { style: `display:inline-block;width:10px;height:10px;margin-right:4px;background:${PALETTE[j % PALETTE.length]}` }), text);
    }),
  );
  const yTitle = h('div', { 'data-testid': 'chart-y-title', style: 'font-size:12px;color:#6b7685' });
  setText(yTitle, spec.yTitle);
  const xTitle = h('div', { 'data-testid': 'chart-x-title', style: `font-size:12px;color:#6b7685;text-align:center;width:${width}px` });
  setText(xTitle, spec.xTitle);
  return h('figure', { class: 'card', 'data-testid': 'chart', style: 'margin:0 0 12px' }, caption, legend, yTitle, h('div', { style: 'overflow-x:auto' }, drawing, xTitle));
}
