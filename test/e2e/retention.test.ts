/**
 * Legal hold and storage in Debian's Chromium (issue 17): a custodian places a hold with a reason
 * on the replay page — a hold without a reason is not sent — and it shows there and in the
 * recordings list with since when, by whom and why; a reviewer the recording is shared with sees
 * the hold but no controls; the custodian releases it; a hold another custodian placed meanwhile
 * is refused by the server, and the page says so in words. The analytics page's storage panel
 * shows the API's report: bytes per unit and category, what expires within 30 days, and the
 * growth chart with today's sealed bytes; it stands without the hold test before it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { shanghaiDayOf } from '../../server/analytics/periods.ts';
import { byteUnitOf, formatBytes } from '../../player/src/format.ts';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import { launchChromium } from '../helpers/browser.ts';
import { apiFetch } from '../helpers/http.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';

let server: RunningServer;
let browser: Browser;
let recordingId: string;
let otherCustodian: SignedIn;
let auditor: SignedIn;

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  server = await startTestServer(await testEnv());
  const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'H-1', unit: 'u1', name: '记录仪 H1' }, 'test');
  recordingId = await sealedRecording(server, device, new Date(Date.now() - 3_600_000));
  const { device: other } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'H-2', unit: 'u2', name: '记录仪 H2' }, 'test');
  await sealedRecording(server, other, new Date(Date.now() - 7_200_000), { gap: true });
  await server.core.users.add({ role: 'custodian', unit: 'u1', name: '郑保管', badge: 'HK-1', password: PASSWORD }, 'test');
  const reviewer = await signedInUser(server, 'reviewer', 'u1', 'HR-1');
  await server.core.db
    .insertInto('recording_shares')
    .values({ recording_id: recordingId, user_id: reviewer.userId, shared_by: 'test', shared_at: new Date().toISOString(), expires_at: null })
    .execute();
  otherCustodian = await signedInUser(server, 'custodian', 'u1', 'HK-2', { name: '王保管' });
  auditor = await signedInUser(server, 'auditor', 'u1', 'HA-1');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(badge: string, lands: RegExp): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
  await page.fill('[name=badge]', badge);
  await page.fill('[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(lands);
  return page;
}

const holdNow = async () => (await server.core.db.selectFrom('recording_retention').selectAll().where('recording_id', '=', recordingId).executeTakeFirst()) ?? null;
const segmentHeld = async () => (await server.core.store.head((await server.core.store.list(objectKeys.segmentPrefix(recordingId)))[0]!))!.legalHold;

describe('legal hold in the browser', () => {
  it('a custodian places a hold with a reason, it shows on the replay page and in the list, and is released', async () => {
    const page = await signIn('HK-1', /#\/recordings/);
    const listed = page.locator(`[data-testid=recording-row][data-recording-id="${recordingId}"] [data-testid=recording-retention]`);
    expect(await listed.getAttribute('data-category')).toBe('unlinked');
    expect(await listed.getAttribute('data-held')).toBe('false');

    await page.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recordingId}`);
    const panel = page.locator('[data-testid=retention-panel]');
    await panel.locator('[data-testid=hold-shown][data-held=false]').waitFor();
    expect(await panel.innerText()).toContain('未关联案件');
    expect(await panel.locator('[data-testid=hold-submit]').innerText()).toBe('设置法律保全');

    // No reason: said at once, and nothing is asked of the server.
    await panel.locator('[data-testid=hold-submit]').click();
    await panel.locator('[data-testid=hold-status][data-outcome=refused]').waitFor();
    expect(await panel.locator('[data-testid=hold-status]').innerText()).toContain('请填写原因');
    expect(await holdNow()).toBeNull();

    await panel.locator('[data-testid=hold-reason]').fill('行政复议申请 2026-17 号');
    await panel.locator('[data-testid=hold-submit]').click();
    await panel.locator('[data-testid=hold-shown][data-held=true]').waitFor();
    expect(await panel.locator('[data-testid=hold-status][data-outcome=ok]').innerText()).toContain('已设置法律保全');
    const shown = await panel.locator('[data-testid=hold-shown]').innerText();
    expect(shown).toContain('行政复议申请 2026-17 号');
    expect(shown).toContain('郑保管（HK-1）');
    expect(shown).toMatch(/自 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 起/);
    expect(await panel.getAttribute('data-category')).toBe('hold');
    expect(await panel.locator('[data-testid=hold-submit]').innerText()).toBe('解除法律保全');
    expect(await holdNow()).toMatchObject({ hold_reason: '行政复议申请 2026-17 号' });
    expect(await segmentHeld()).toBe(true);

    // The list shows the hold too: since when, by whom, why.
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/recordings`);
    await page.locator(`[data-recording-id="${recordingId}"] [data-testid=recording-retention][data-held=true]`).waitFor();
    expect(await listed.getAttribute('data-category')).toBe('hold');
    const row = await listed.innerText();
    for (const words of ['法律保全', '郑保管（HK-1）', '行政复议申请 2026-17 号']) expect(row).toContain(words);

    // A reviewer sees the hold, and no controls.
    const reviewer = await signIn('HR-1', /#\/recordings/);
    await reviewer.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recordingId}`);
    const seen = reviewer.locator('[data-testid=retention-panel] [data-testid=hold-shown][data-held=true]');
    await seen.waitFor();
    expect(await seen.innerText()).toContain('行政复议申请 2026-17 号');
    expect(await reviewer.locator('[data-testid=hold-form]').isHidden()).toBe(true);
    expect(await reviewer.locator('[data-testid=hold-submit]').isVisible()).toBe(false);
    await reviewer.context().close();

    // Released, with a reason.
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recordingId}`);
    await panel.locator('[data-testid=hold-shown][data-held=true]').waitFor();
    await panel.locator('[data-testid=hold-reason]').fill('复议已结案');
    await panel.locator('[data-testid=hold-submit]').click();
    await panel.locator('[data-testid=hold-shown][data-held=false]').waitFor();
    expect(await panel.locator('[data-testid=hold-status][data-outcome=ok]').innerText()).toContain('已解除法律保全');
    expect(await panel.getAttribute('data-category')).toBe('unlinked');
    expect((await holdNow())!.hold_at).toBeNull();
    expect(await segmentHeld()).toBe(false);

    // Another custodian holds it meanwhile: the server refuses a second hold, and the page says why.
    expect((await apiFetch(server.httpPort, otherCustodian, `recordings/${recordingId}/hold`, { reason: '诉讼保全' })).status).toBe(200);
    await panel.locator('[data-testid=hold-reason]').fill('另行保全');
    await panel.locator('[data-testid=hold-submit]').click();
    const refused = panel.locator('[data-testid=hold-status][data-outcome=refused]');
    await refused.waitFor();
    expect(await refused.innerText()).toContain('该录像已被保全');
    expect(await holdNow()).toMatchObject({ hold_reason: '诉讼保全' });

    // In English, the same hold by the other custodian after a reload.
    await page.click('[data-testid=lang-switch]');
    await page.reload();
    await panel.locator('[data-testid=hold-shown][data-held=true]').waitFor();
    expect(await panel.locator('[data-testid=hold-shown]').innerText()).toContain('placed by 王保管 (HK-2). Reason: 诉讼保全');
    await page.context().close();
  });
});

describe('the storage panel', () => {
  it('shows an auditor the report of every unit: bytes per category, what expires, and the growth per day', async () => {
    const report = (await (await apiFetch(server.httpPort, auditor, 'retention/report')).json()) as {
      rows: { unit: string; category: string; recordings: number; bytes: number }[];
      expiring: { unit: string; recordings: number; bytes: number }[];
      growth: { days: string[]; units: { unit: string; bytes: number[] }[] };
    };
    expect(report.rows.map((r) => r.unit)).toEqual(expect.arrayContaining(['u1', 'u2']));

    const page = await signIn('HA-1', /#\/audit/);
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/analytics`);
    const panel = page.locator('[data-testid=analytics-storage]');
    await panel.locator('[data-testid=storage-row]').first().waitFor();
    expect(await panel.locator('[data-testid=storage-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-unit')))).toEqual(['u1', 'u2']);
    for (const unit of ['u1', 'u2']) {
      const cells = panel.locator(`[data-testid=storage-row][data-unit=${unit}] td[data-category]`);
      const shown = await cells.evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-category'), Number(td.getAttribute('data-bytes')), Number(td.getAttribute('data-recordings'))]));
      const expected = ['unlinked', 'case', 'hold', 'expired'].map((category) => {
        const row = report.rows.find((r) => r.unit === unit && r.category === category);
        return [category, row?.bytes ?? 0, row?.recordings ?? 0];
      });
      const soon = report.expiring.find((e) => e.unit === unit);
      expect(shown).toEqual([...expected, ['expiring', soon?.bytes ?? 0, soon?.recordings ?? 0]]);
    }
    // In words as well: the u2 recording, never held nor linked.
    const unlinked = report.rows.find((r) => r.unit === 'u2' && r.category === 'unlinked')!;
    expect(unlinked.bytes).toBeGreaterThan(0);
    expect(await panel.locator('[data-testid=storage-row][data-unit=u2] td[data-category=unlinked]').innerText()).toContain(formatBytes(unlinked.bytes));
    const total = report.rows.reduce((n, r) => n + r.bytes, 0);
    const totals = await panel.locator('[data-testid=storage-total] td[data-category]').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-bytes'))));
    expect(totals.slice(0, 4).reduce((a, b) => a + b, 0)).toBe(total);
    for (const words of ['存储与保存期限', '未关联案件', '案件证据', '法律保全', '已到期删除', '30 天内到期']) expect(await panel.innerText()).toContain(words);

    // The growth chart: thirty days up to today, today's bytes per unit as drawn, in the unit of the busiest day.
    const today = shanghaiDayOf(new Date());
    const { size } = byteUnitOf(report.growth.units.reduce((n, u) => n + u.bytes.at(-1)!, 0));
    expect(report.growth.days.at(-1)).toBe(today);
    const canvas = panel.locator('[data-testid=chart-canvas]');
    await canvas.locator('canvas').waitFor();
    const described = (await canvas.getAttribute('aria-label')) ?? '';
    expect(described).toContain('近 30 天每日新增封存量');
    for (const u of report.growth.units) {
      const drawn = Math.round((u.bytes.at(-1)! / size) * 100) / 100;
      expect(drawn).toBeGreaterThan(0);
      expect(described).toContain(`“${u.unit}”柱状图，其数据是——`);
      expect(described).toContain(`${today}的数据是${drawn}`);
    }
    await page.context().close();
  });
});
