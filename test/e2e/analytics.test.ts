/**
 * The analytics page in Debian's Chromium: an auditor picks September 2026 and sees, in Chinese,
 * the figures of two units in the tables and bars in the charts; the language switch turns the
 * words to English in place; 导出CSV downloads the server's CSV with its BOM. An agency head
 * sees their own unit only, with no unit filter.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
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
    ],
    [
      { id: 'rec-1', device: 'dev-1', startedAt: '2026-09-02T01:00:00.000Z', durationMs: 2 * HOUR, late: true, flags: ['late_upload'] },
      { id: 'rec-2', device: 'dev-1', startedAt: '2026-09-10T01:00:00.000Z', durationMs: HOUR / 2, late: false, flags: [] },
      { id: 'rec-3', device: 'dev-2', startedAt: '2026-09-03T01:00:00.000Z', durationMs: HOUR, late: false, flags: ['clock_drift'] },
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

const cells = (page: Page, section: string, key: string) =>
  page.locator(`[data-testid=analytics-${section}] [data-testid=analytics-row][data-key="${key}"] td[data-figure]`).allInnerTexts();

describe('the analytics page', () => {
  it('shows an auditor the figures and charts of every unit in Chinese, switches to English, and exports CSV', async () => {
    const page = await signIn('AU-1');
    await showSeptember(page);
    // recordings, hours, late uploads, gaps, actions, archives, clock drift, leaks
    expect(await cells(page, 'unit', 'u1')).toEqual(['2', '2.5', '1', '0', '0', '0', '0', '0']);
    expect(await cells(page, 'unit', 'u2')).toEqual(['1', '1', '0', '0', '0', '0', '1', '0']);
    expect(await page.locator('[data-testid=analytics-period] [data-testid=analytics-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual(['2026-09']);
    expect(await page.locator('[data-testid=analytics-unit] [data-testid=analytics-total] td[data-figure]').first().innerText()).toBe('3');

    const unitChart = page.locator('[data-testid=analytics-unit] [data-testid=chart]');
    expect(await unitChart.locator('rect[data-series=hours]').evaluateAll((bars) => bars.map((b) => [b.getAttribute('data-category'), b.getAttribute('data-value')]))).toEqual([['u1', '2.5'], ['u2', '1']]);
    const [u1Bar, u2Bar] = await unitChart.locator('rect').evaluateAll((bars) => bars.map((b) => (b as SVGRectElement).getBBox().height));
    expect(u1Bar! / u2Bar!).toBeCloseTo(2.5, 1);
    const officerChart = page.locator('[data-testid=analytics-officer] [data-testid=chart]');
    expect(await officerChart.locator('rect').evaluateAll((bars) => bars.map((b) => `${b.getAttribute('data-category')}/${b.getAttribute('data-series')}`))).toEqual(['P-1/lateUploads', 'P-2/clockDriftFlags']);
    const chinese = await page.locator('body').innerText();
    for (const shown of ['数据分析', '按单位', '按执法人员', '按月份', '录像时长（小时）', '逾期上传', '时钟偏差', '各单位录像时长', '小时', '合计', '导出CSV']) expect(chinese).toContain(shown);

    await page.click('[data-testid=lang-switch]');
    const english = await page.locator('body').innerText();
    for (const shown of ['By unit', 'Hours recorded per unit', 'Late uploads', 'Total', 'Export CSV']) expect(english).toContain(shown);
    expect(english).not.toContain('按单位');
    await page.click('[data-testid=lang-switch]');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=analytics-unit] [data-testid=export-csv]')]);
    expect(download.suggestedFilename()).toBe('liuhen-analytics-unit-all-2026-09-01-2026-10-01.csv');
    const csv = fs.readFileSync((await download.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8').slice(1).split('\r\n').slice(0, 3)).toEqual([
      '单位,录像数,录像时长（小时）,逾期上传,无原因中断,应录未录,逾期归档,时钟偏差,追溯到的泄露',
      'u1,2,2.5,1,0,0,0,0,0',
      'u2,1,1,0,0,0,0,1,0',
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
