/**
 * The devices page and the notice on the timeline, in Debian's Chromium: a custodian sees a body
 * camera whose clock runs 10 s fast and whose battery is low flagged for both, in Chinese; the
 * replay of its recording shows the 告知 marker, a thumbnail under the pointer, and the state of
 * the recording's jobs. An admin registers a body camera and a hall camera from the page, sees
 * each publish URL once with a QR code that encodes it, hands the body camera to another officer
 * and revokes it, after which its publish is refused.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { PLAYER_DIST } from '../../server/http/app.ts';
import { deriveSpriteSheet } from '../../workers/sprite-sheet.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../helpers/browser.ts';
import { workerDeps } from '../helpers/party-flow.ts';
import { publish } from '../helpers/publisher.ts';
import { recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let browser: Browser;
let deviceId: string;
let recordingId: string;

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  server = await startTestServer(await testEnv({ LIUHEN_GRACE_SECONDS: '2' }));
  const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'E-1', unit: 'u1', name: '记录仪 E1' }, 'test');
  deviceId = device.id;
  const asDevice = (path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Device ${device.id}:${credential}` },
      body: JSON.stringify(body),
    });
  expect((await asDevice('/api/device/health', { deviceTime: new Date(Date.now() + 10_000).toISOString(), batteryPct: 5 })).status).toBe(200);

  const camera = publish(server.publishUrl(device.id, credential), 4);
  await waitFor('a sealed segment', async () => (await recordingsOf(server.core.db, device.id))[0]?.segment_count);
  expect((await asDevice('/api/device/notice', {})).status).toBe(201);
  expect(await camera.exited).toBe(0);
  recordingId = (await waitForClosed(server.core.db, device.id))[0]!.id;
  // The scrub sprite a worker makes once the recording is closed (made here directly: no queue in this test).
  await deriveSpriteSheet(recordingId, { jobId: 'e2e', progress: async () => undefined }, workerDeps(server));

  await server.core.users.add({ role: 'custodian', unit: 'u1', name: '周保管', badge: 'K-100', password: PASSWORD }, 'test');
  await server.core.users.add({ role: 'admin', unit: 'u1', name: '吴管理', badge: 'AD-1', password: PASSWORD }, 'test');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('in the browser', () => {
  it('a custodian sees the device’s warnings, and on its recording’s timeline the notice, thumbnails and job states', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
    await page.fill('[name=badge]', 'K-100');
    await page.fill('[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/recordings/);
    await page.click('nav a[href="#/devices"]');

    const row = page.locator(`[data-testid=device-row][data-device-id="${deviceId}"]`);
    await row.waitFor();
    expect(await row.locator('[data-testid=device-flags]').getAttribute('data-flags')).toBe('clock_drift low_battery');
    const text = await row.innerText();
    for (const shown of ['执法记录仪', 'E-1', '5%', '时钟偏差', '电量低']) expect(text).toContain(shown);
    expect(text).toMatch(/\+(9|10)\.\d 秒/);
    expect(
      await row
        .locator('.flag')
        .first()
        .evaluate((el) => getComputedStyle(el).backgroundColor),
    ).not.toBe('rgba(0, 0, 0, 0)');

    await page.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recordingId}`);
    const notice = page.locator('[data-testid=timeline] [data-kind=notice]');
    await notice.waitFor();
    expect(await notice.count()).toBe(1);
    expect(await notice.innerText()).toBe('告知');
    // Hovering a segment of the timeline shows its thumbnail from the sprite sheet.
    const segment = page.locator('[data-testid=timeline] [data-kind=segment]').first();
    const thumbnail = page.locator('[data-testid=timeline-thumbnail]');
    let shown = false;
    for (let i = 0; i < 50 && !shown; i++) {
      await segment.hover({ position: { x: 4 + (i % 5), y: 4 } });
      shown = await thumbnail.isVisible();
      if (!shown) await page.waitForTimeout(200);
    }
    expect(shown).toBe(true);
    expect(await thumbnail.evaluate((el) => getComputedStyle(el).backgroundImage)).toMatch(/^url\("data:image\/jpeg/);
    // No worker runs in this server: the recording's jobs wait, and the page says so in Chinese.
    const jobs = page.locator('[data-testid=jobs] [data-testid=job][data-kind="segment.derive"]');
    await jobs.waitFor();
    expect(await jobs.getAttribute('data-state')).toBe('waiting');
    expect(await jobs.innerText()).toContain('等待');
    await page.context().close();
  });

  it('an admin registers a body camera and a hall camera, sees each publish URL once as text and QR code, hands over and revokes', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
    await page.fill('[name=badge]', 'AD-1');
    await page.fill('[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/devices/);
    const form = page.locator('[data-testid=device-register]');
    expect(await form.innerText()).toContain('登记设备');

    // A body camera: officer, unit, name.
    await form.locator('[data-testid=devreg-kind]').selectOption('bodycam');
    await form.locator('[data-testid=devreg-officer]').fill('E-2');
    await form.locator('[data-testid=devreg-unit]').fill('u1');
    await form.locator('[data-testid=devreg-name]').fill('记录仪 E2');
    await form.locator('[data-testid=devreg-submit]').click();
    const bodycamUrl = await shownPublishUrl(page);
    expect(bodycamUrl).toMatch(new RegExp(`^rtmp://127\\.0\\.0\\.1:${server.rtmpPort}/live/(bc-[A-Za-z0-9_-]+)\\?key=`));
    const bodycamQr = expectedModules(bodycamUrl);
    expect(await qrModules(page, bodycamQr.length)).toEqual(bodycamQr);
    expect(await form.innerText()).toContain('只显示这一次');
    const bodycamId = /\/live\/([^?]+)/.exec(bodycamUrl)![1]!;

    // A hall camera: its RTSP address and credentials; the password is never shown again.
    await form.locator('[data-testid=devreg-kind]').selectOption('fixed');
    await form.locator('[data-testid=devreg-name]').fill('执法大厅 1');
    await form.locator('[data-testid=devreg-unit]').fill('u1');
    await form.locator('[data-testid=devreg-rtspUrl]').fill('rtsp://127.0.0.1:9/hall');
    await form.locator('[data-testid=devreg-rtspUser]').fill('hall');
    await form.locator('[data-testid=devreg-rtspPassword]').fill('s3cret-hall-pw');
    await form.locator('[data-testid=devreg-submit]').click();
    await page.waitForFunction((previous) => document.querySelector('[data-testid=devreg-publish-url]')?.textContent !== previous, bodycamUrl);
    const hallUrl = await shownPublishUrl(page);
    expect(hallUrl).not.toBe(bodycamUrl);
    const hallQr = expectedModules(hallUrl);
    expect(await qrModules(page, hallQr.length)).toEqual(hallQr);
    const hallId = /\/live\/([^?]+)/.exec(hallUrl)![1]!;
    const hallRow = page.locator(`[data-testid=device-row][data-device-id="${hallId}"]`);
    await hallRow.waitFor();
    expect(await hallRow.locator('[data-testid=device-rtsp]').innerText()).toBe('rtsp://127.0.0.1:9/hall');
    expect(await hallRow.innerText()).toContain('固定摄像头');
    expect(await page.locator('[data-testid=devreg-rtspPassword]').inputValue()).toBe('');
    expect(await page.content()).not.toContain('s3cret-hall-pw');
    // Leaving the page and coming back: the publish URL is gone for good.
    await page.click('nav a[href="#/devices"]');
    await page.reload();
    await page.locator(`[data-testid=device-row][data-device-id="${hallId}"]`).waitFor();
    expect(await page.locator('[data-testid=devreg-publish-url]').count()).toBe(0);

    // Hand the body camera to another officer.
    const row = page.locator(`[data-testid=device-row][data-device-id="${bodycamId}"]`);
    await row.locator('[data-testid=device-assign]').click();
    const acts = page.locator('[data-testid=device-acts]');
    expect(await acts.innerText()).toContain('移交');
    await acts.locator('[data-testid=devact-value]').fill('E-3');
    await acts.locator('[data-testid=devact-confirm]').click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid=device-row][data-device-id="${id}"]`)?.textContent?.includes('E-3'), bodycamId);
    expect((await server.core.devices.get(bodycamId)).officer_badge).toBe('E-3');

    // Revoke it, with a reason: the row says so, and the camera can no longer publish.
    await row.locator('[data-testid=device-revoke]').click();
    expect(await acts.innerText()).toContain('不可撤销');
    await acts.locator('[data-testid=devact-value]').fill('设备遗失');
    await acts.locator('[data-testid=devact-confirm]').click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid=device-row][data-device-id="${id}"] .state-revoked`) !== null, bodycamId);
    expect(await row.innerText()).toContain('已停用');
    expect(await row.locator('[data-testid=device-revoke]').count()).toBe(0);
    await server.core.audit.flush();
    const revoked = (await server.core.audit.query({ action: 'device.revoke' })).find((e) => e.subject === bodycamId);
    expect(revoked?.actor).toMatch(/^user:/);
    expect(JSON.parse(revoked!.detail)).toEqual({ reason: '设备遗失' });
    expect(await publish(bodycamUrl, 2).exited).not.toBe(0);
    expect(await recordingsOf(server.core.db, bodycamId)).toEqual([]);
    await page.context().close();
  });
});

/** The publish URL the registration card shows, once it shows one. */
async function shownPublishUrl(page: Page): Promise<string> {
  const url = page.locator('[data-testid=devreg-publish-url]');
  await url.waitFor();
  return url.innerText();
}

/** The QR code's canvas read back as `size` × `size` modules (dark = 1) inside its 4-module quiet zone: what a scanner sees. */
async function qrModules(page: Page, size: number): Promise<number[][]> {
  return page.locator('[data-testid=devreg-qr]').evaluate((el, n) => {
    const canvas = el as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const margin = 4;
    const scale = canvas.width / (n + 2 * margin);
    return Array.from({ length: n }, (_, r) =>
      Array.from({ length: n }, (_, c) => {
        const x = Math.floor((c + margin + 0.5) * scale);
        const y = Math.floor((r + margin + 0.5) * scale);
        return pixels.data[(y * canvas.width + x) * 4]! < 128 ? 1 : 0;
      }),
    );
  }, size);
}

/** The modules a QR code of `text` has (the qrcode package's own encoder, at the page's settings). */
function expectedModules(text: string): number[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return Array.from({ length: modules.size }, (_, r) => Array.from({ length: modules.size }, (_, c) => (modules.get(r, c) ? 1 : 0)));
}
