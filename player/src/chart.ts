/**
 * Bar charts drawn by Apache ECharts, the chart library of Chinese government dashboards: the
 * full width of the page and following it when the window resizes, tooltips, "save as image",
 * and ECharts' own Chinese or English (its toolbox, tooltips and the accessible description it
 * writes on the chart for screen readers) following the language switch. ECharts is loaded
 * with the first chart (echarts.ts), not with the player.
 */
import type { BarSeriesOption } from 'echarts/charts';
import type { AriaComponentOption, GridComponentOption, LegendComponentOption, TitleComponentOption, ToolboxComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption, EChartsType } from 'echarts/core';
import { describeError } from './api.ts';
import { h } from './dom.ts';
import type { init as initChart } from './echarts.ts';
import { setText, t } from './i18n.ts';

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

type BarChartOption = ComposeOption<BarSeriesOption | AriaComponentOption | GridComponentOption | LegendComponentOption | TitleComponentOption | ToolboxComponentOption | TooltipComponentOption>;

/** Colour-blind-safe (Okabe–Ito), darkest first for the most common single-series chart. */
const PALETTE = ['#1f4e8c', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];
const HEIGHT_PX = 340;
const TEXT = '#1f2733';
const MUTED = '#6b7685';

/** `fontFamily`: the page's, which a canvas does not inherit. */
function optionOf(spec: BarChartSpec, fontFamily: string): BarChartOption {
  const longest = Math.max(0, ...spec.categories.map((c) => c.length));
  // Level labels while they fit; slanted beyond that.
  const slanted = spec.categories.length > 12 || longest > 12;
  return {
    color: PALETTE,
    textStyle: { fontFamily },
    title: { text: spec.title(), left: 0, top: 0, textStyle: { fontSize: 14, fontWeight: 600, color: TEXT } },
    legend: { left: 0, top: 28, itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 12 } },
    // The saved picture says what it shows: the title is drawn, and the file is named after it.
    toolbox: { right: 0, top: 0, feature: { saveAsImage: { name: spec.title(), pixelRatio: 2, backgroundColor: '#fff' } } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    // What a screen reader says: every figure (not ECharts' default first ten), each without the
    // category's index (dimension 0) and a stack's running sums (2, 3) that ECharts would read out
    // with it; series by name, not by ECharts' count from 0 ("the 0th series").
    aria: {
      enabled: true,
      label: { series: { multiple: { withName: t('analytics.chart.ariaSeries') } }, data: { maxCount: Math.max(10, spec.categories.length), excludeDimensionId: [0, 2, 3] } },
    },
    grid: { left: 8, right: 16, top: 76, bottom: 8 },
    xAxis: {
      type: 'category',
      data: spec.categories,
      name: spec.xTitle(),
      nameLocation: 'middle',
      nameGap: slanted ? 64 : 30,
      nameTextStyle: { color: MUTED },
      axisLabel: { interval: 0, rotate: slanted ? 35 : 0, color: TEXT },
    },
    yAxis: { type: 'value', name: spec.yTitle(), nameTextStyle: { color: MUTED, align: 'left' }, minInterval: spec.integer ? 1 : 0, axisLabel: { color: MUTED } },
    series: spec.series.map((s) => ({ type: 'bar', id: s.id, name: s.label(), data: s.values, ...(spec.stacked ? { stack: 'total' } : {}), emphasis: { focus: 'series' } })),
  };
}

/**
 * Draws `spec` into `box` once the box has a size (ECharts measures it), follows its size, and
 * draws it anew on a language switch (ECharts takes its locale at init only). A box taken out of
 * the page — a new query replaced it — lets its chart go.
 */
function draw(box: HTMLElement, spec: BarChartSpec, init: typeof initChart): void {
  let chart: EChartsType | undefined;
  const render = (): void => {
    chart?.dispose();
    chart = init(box, undefined, { locale: document.documentElement.lang === 'en' ? 'EN' : 'ZH' });
    chart.setOption(optionOf(spec, getComputedStyle(box).fontFamily));
  };
  const stop = (): void => {
    chart?.dispose();
    languages.disconnect();
    sizes.disconnect();
  };
  const languages = new MutationObserver(() => (box.isConnected ? render() : stop()));
  const sizes = new ResizeObserver(() => {
    if (!box.isConnected) stop();
    else if (chart) chart.resize();
    else render();
  });
  languages.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  sizes.observe(box);
}

export function barChart(spec: BarChartSpec): HTMLElement {
  const box = h('div', { 'data-testid': 'chart-canvas', style: `width:100%;height:${HEIGHT_PX}px` });
  import('./echarts.ts').then(
    ({ init }) => draw(box, spec, init),
    (err: unknown) => {
      const failed = h('p', { class: 'error', role: 'status' });
      setText(failed, () => t('analytics.chartFailed', { error: describeError(err) }));
      box.replaceChildren(failed);
    },
  );
  return h('figure', { class: 'card', 'data-testid': 'chart', style: 'margin:0 0 12px' }, box);
}
