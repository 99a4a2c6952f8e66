/**
 * The analytics page in Debian's Chromium: an auditor picks September 2026 and sees, in Chinese,
 * the figures of three units in the tables and in ECharts bar charts — the full width of the page,
 * following the window, with tooltips, "save as image", and the values ECharts drew in the
 * description it writes for screen readers; a unit with only minutes of video shows 0.25 h, not 0.
 * The language switch turns the words, ECharts' own included, to English in place; 导出CSV
 * downloads the server's CSV with its BOM. An agency head sees their own unit only, with no unit
 * filter.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../helpers/browser.ts';
import { seedRecordings } from '../helpers/seeded-recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD } from '../helpers/viewing.ts';

const HOUR = 3_600_000;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  server = await startTestServer(await testEnv());
  await seedRecordings(
    server.core.db,
    [
      { id: 'dev-1', kind: 'bodycam', officer: 'P-1', unit: 'u1' },
      { id: 'dev-2', kind: 'bodycam', officer: 'P-2', unit: 'u2' },
      { id: 'dev-3', kind: 'bodycam', officer: 'P-3', unit: 'u3' },
    ],
    [
      { id: 'rec-1', device: 'dev-1', startedAt: '2026-09-02T01:00:00.000Z', durationMs: 2 * HOUR, late: true, flags: ['late_upload'] },
      { id: 'rec-2', device: 'dev-1', startedAt: '2026-09-10T01:00:00.000Z', durationMs: HOUR / 2, late: false, flags: [] },
      { id: 'rec-3', device: 'dev-2', startedAt: '2026-09-03T01:00:00.000Z', durationMs: HOUR, late: false, flags: ['clock_drift'] },
      { id: 'rec-4', device: 'dev-3', startedAt: '2026-09-04T01:00:00.000Z', durationMs: 15 * 60_000, late: false, flags: [] },
    ],
  );
  await server.core.users.add({ role: 'auditor', unit: 'u1', name: '审计员', badge: 'AU-1', password: PASSWORD }, 'test');
  await server.core.users.add({ role: 'agency_head', unit: 'u2', name: '负责人', badge: 'AH-2', password: PASSWORD }, 'test');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(badge: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
  await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
  await page.fill('[name=badge]', badge);
  await page.fill('[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/#\/(audit|approvals)/);
  await page.goto(`http://127.0.0.1:${server.httpPort}/#/analytics`);
  return page;
}

async function showSeptember(page: Page): Promise<void> {
  await page.fill('#analytics-month', '2026-09');
  await page.click('[data-testid=analytics-filters] button[type=submit]');
  await page.locator('[data-testid=analytics-status]', { hasText: '2026-09-30' }).waitFor();
}

/** A section's chart once ECharts has drawn it: the description it writes holds the values it drew. */
async function drawnChart(page: Page, section: string): Promise<{ canvas: Locator; described: () => Promise<string> }> {
  const canvas = page.locator(`[data-testid=analytics-${section}] [data-testid=chart-canvas]`);
  await canvas.locator('canvas').waitFor();
  return { canvas, described: async () => (await canvas.getAttribute('aria-label')) ?? '' };
}

const widthOf = async (locator: Locator) => (await locator.boundingBox())!.width;

const cells = (page: Page, section: string, key: string) => page.locator(`[data-testid=analytics-${section}] [data-testid=analytics-row][data-key="${key}"] td[data-figure]`).allInnerTexts();

describe('the analytics page', () => {
  it('shows an auditor the figures and charts of every unit in Chinese, switches to English, and exports CSV', async () => {
    const page = await signIn('AU-1');
    await showSeptember(page);
    // recordings, hours, late uploads, gaps, actions, archives, clock drift, leaks
    expect(await cells(page, 'unit', 'u1')).toEqual(['2', '2.5', '1', '0', '0', '0', '0', '0']);
    expect(await cells(page, 'unit', 'u2')).toEqual(['1', '1', '0', '0', '0', '0', '1', '0']);
    expect(await page.locator('[data-testid=analytics-period] [data-testid=analytics-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual(['2026-09']);
    expect(await cells(page, 'unit', 'u3')).toEqual(['1', '0.25', '0', '0', '0', '0', '0', '0']);
    expect(await page.locator('[data-testid=analytics-unit] [data-testid=analytics-total] td[data-figure]').first().innerText()).toBe('4');

    const unitChart = await drawnChart(page, 'unit');
    expect(await unitChart.described()).toBe('这是一个关于“各单位录像时长”的图表。图表类型是柱状图，表示录像时长（小时）。其数据是——u1的数据是2.5，u2的数据是1，u3的数据是0.25。');
    const officerChart = await drawnChart(page, 'officer');
    const officers = await officerChart.described();
    expect(officers).toContain('这是一个关于“各执法人员问题数”的图表。它由6个图表系列组成。');
    expect(officers).toContain('“逾期上传”柱状图，其数据是——P-1的数据是1，P-2的数据是0，P-3的数据是0；');
    expect(officers).toContain('“时钟偏差”柱状图，其数据是——P-1的数据是0，P-2的数据是1，P-3的数据是0；');

    // The full width of its section, and following the window.
    const section = page.locator('[data-testid=analytics-unit]');
    const canvas = unitChart.canvas.locator('canvas');
    expect(await widthOf(canvas)).toBeGreaterThan((await widthOf(section)) - 60);
    const wide = await widthOf(canvas);
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.waitForFunction((w) => document.querySelector('[data-testid=analytics-unit] [data-testid=chart-canvas] canvas')!.getBoundingClientRect().width < w - 100, wide);
    expect(await widthOf(canvas)).toBeGreaterThan((await widthOf(section)) - 60);

    // A tooltip over the last unit's bar names it and its hours.
    const box = (await unitChart.canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.85, box.y + box.height * 0.7);
    await unitChart.canvas.getByText('0.25').waitFor();
    expect(await unitChart.canvas.innerText()).toContain('u3');

    // Save as image: the toolbox's one icon, top right.
    const [image] = await Promise.all([page.waitForEvent('download'), page.mouse.click(box.x + box.width - 20, box.y + 15)]);
    expect(image.suggestedFilename()).toBe('各单位录像时长.png');
    expect([...fs.readFileSync((await image.path())!).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    const chinese = await page.locator('body').innerText();
    for (const shown of ['数据分析', '按单位', '按执法人员', '按月份', '录像时长（小时）', '逾期上传', '时钟偏差', '合计', '导出CSV']) expect(chinese).toContain(shown);

    await page.click('[data-testid=lang-switch]');
    const english = await page.locator('body').innerText();
    for (const shown of ['By unit', 'Late uploads', 'Total', 'Export CSV']) expect(english).toContain(shown);
    expect(english).not.toContain('按单位');
    await page.waitForFunction(() => document.querySelector('[data-testid=analytics-unit] [data-testid=chart-canvas]')!.getAttribute('aria-label')!.startsWith('This is'));
    expect(await unitChart.described()).toBe(
      'This is a chart about "Hours recorded per unit" with type Bar chart named Hours recorded.The data is as follows: the data for u1 is 2.5, the data for u2 is 1, the data for u3 is 0.25. ',
    );
    await page.click('[data-testid=lang-switch]');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=analytics-unit] [data-testid=export-csv]')]);
    expect(download.suggestedFilename()).toBe('liuhen-analytics-unit-all-2026-09-01-2026-10-01.csv');
    const csv = fs.readFileSync((await download.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8').slice(1).split('\r\n').slice(0, 4)).toEqual([
      '单位,录像数,录像时长（小时）,逾期上传,无原因中断,应录未录,逾期归档,时钟偏差,追溯到的泄露',
      'u1,2,2.5,1,0,0,0,0,0',
      'u2,1,1,0,0,0,0,1,0',
      'u3,1,0.25,0,0,0,0,0,0',
    ]);
    await page.context().close();
  });

  it('shows an agency head their own unit only, without a unit filter', async () => {
    const page = await signIn('AH-2');
    await showSeptember(page);
    expect(await page.locator('#analytics-unit').count()).toBe(0);
    expect(await page.locator('[data-testid=analytics-unit] [data-testid=analytics-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual(['u2']);
    expect(await cells(page, 'officer', 'P-2')).toEqual(['1', '1', '0', '0', '0', '0', '1', '0']);
    await page.context().close();
  });
});
