/**
 * The devices page and the notice on the timeline, in Debian's Chromium: a custodian sees a body
 * camera whose clock runs 10 s fast and whose battery is low flagged for both, in Chinese; the
 * replay of its recording shows the 告知 marker, a thumbnail under the pointer, and the state of
 * the recording's jobs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
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
    expect(await row.locator('.flag').first().evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');

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
});
