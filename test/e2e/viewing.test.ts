/**
 * Watching evidence end to end, in Debian's Chromium through hls.js: a commander's wall plays a
 * live feed with the watermark; a reviewer replays a shared recording to its end; a party and an
 * unsigned client get no media byte; every segment the browser fetched is in the audit log once.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../helpers/browser.ts';
import { looksLikeMedia } from '../helpers/http.ts';
import { deriveMarked, recordClosed, workerDeps } from '../helpers/party-flow.ts';
import { publish, type Publisher } from '../helpers/publisher.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { PASSWORD } from '../helpers/viewing.ts';

let server: RunningServer;
let browser: Browser;
let base: string;
let liveCamera: Publisher | undefined;
let liveDeviceId: string;
let replayId: string;
/** every segment response the browser saw: session id → segment paths */
const fetched: { sessionId: string; recordingId: string; idx: number; status: number; bytes: number; who: string }[] = [];

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  server = await startTestServer(await testEnv({ LIUHEN_GRACE_SECONDS: '1' }));
  base = `http://127.0.0.1:${server.httpPort}`;
  const { core } = server;

  const live = await core.devices.add({ kind: 'bodycam', officerBadge: 'L-1', unit: 'u1', name: '记录仪 L1' }, 'test');
  liveDeviceId = live.device.id;
  liveCamera = publish(server.publishUrl(live.device.id, live.credential), 120);
  // The replayed recording is sealed from a prepared clip while the live feed starts: what is
  // watched here is playback, not how the recording came in.
  replayId = (await recordClosed(server, 'u1', 'R-7', 8)).id;
  // A replay serves marked variants only: made here as the workers would.
  await deriveMarked(workerDeps(server), replayId);
  await core.users.add({ role: 'commander', unit: 'u1', name: '张指挥', badge: 'C-100', password: PASSWORD }, 'test');
  const reviewer = await core.users.add({ role: 'reviewer', unit: 'u2', name: '李审看', badge: 'V-200', password: PASSWORD }, 'test');
  await core.db.insertInto('recording_shares').values({ recording_id: replayId, user_id: reviewer.user.id, shared_by: 'test', shared_at: new Date().toISOString() }).execute();
  await core.users.add({ role: 'party', unit: 'u1', name: '王当事', badge: 'P-300', password: PASSWORD }, 'test');
  browser = await launchChromium();
  // Last: the live feed went on sealing while the rest was made ready.
  await waitFor('the live feed to have sealed segments', async () => {
    const r = await core.db.selectFrom('recordings').select('segment_count').where('device_id', '=', live.device.id).executeTakeFirst();
    return (r?.segment_count ?? 0) >= 3;
  });
}, 240_000);

afterAll(async () => {
  liveCamera?.stop();
  await browser?.close();
  await server?.stop();
});

async function pageFor(who: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('response', async (res) => {
    const m = /\/play\/([^/]+)\/([^/]+)\/(\d+)\.ts/.exec(new URL(res.url()).pathname);
    if (!m) return;
    const body = await res.body().catch(() => Buffer.alloc(0));
    fetched.push({ sessionId: m[1]!, recordingId: m[2]!, idx: Number(m[3]), status: res.status(), bytes: looksLikeMedia(body) ? body.length : 0, who });
  });
  return page;
}

async function signIn(page: Page, badge: string): Promise<void> {
  await page.goto(`${base}/#/sign-in`);
  await page.fill('[name=badge]', badge);
  await page.fill('[name=password]', PASSWORD);
  await page.click('button[type=submit]');
}

describe('in the browser', () => {
  // The wall and the replay play side by side (each in a browser context of its own); what follows counts what both fetched.
  it.concurrent('the command-center wall plays the live feed under the commander’s watermark', async () => {
    const page = await pageFor('commander');
    await signIn(page, 'C-100');
    await page.waitForURL(/#\/wall/);
    const tile = page.locator(`[data-testid=feed-tile][data-device-id="${liveDeviceId}"]`);
    await tile.waitFor();
    const video = tile.locator('video');
    const t0 = await waitFor(
      'the live video to play',
      async () => {
        const t = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
        return t > 0.5 ? t : undefined;
      },
      40_000,
      250,
    );
    await page.waitForTimeout(3000);
    expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(t0 + 1.5);
    expect((await tile.locator('[data-testid=player]').first().getAttribute('data-fatal-error')) ?? '').toBe('');
    const watermark = await tile.locator('[data-testid=watermark]').innerText();
    expect(watermark).toContain('张指挥');
    expect(watermark).toContain('C-100');
    expect(watermark).toMatch(/ps-[a-z0-9]+/);
    const latency = await waitFor(
      'a latency figure',
      async () => {
        const text = await tile.locator('[data-testid=latency]').innerText();
        return /\d+(\.\d)?/.test(text) ? Number(/\d+(\.\d)?/.exec(text)![0]) : undefined;
      },
      20_000,
      500,
    );
    expect(latency).toBeLessThan(30);
    await page.context().close();
  });

  it.concurrent('a reviewer replays a shared recording to its end, with its gaps and verification state', async () => {
    const page = await pageFor('reviewer');
    await signIn(page, 'V-200');
    await page.waitForURL(/#\/recordings/);
    await page.locator(`[data-testid=recording-row][data-recording-id="${replayId}"]`).waitFor();
    await page.goto(`${base}/#/replay/${replayId}`);
    await page.locator('[data-testid=verification][data-ok=true]').waitFor({ timeout: 30_000 });
    const segments = await server.core.db.selectFrom('ledger_entries').select('idx').where('recording_id', '=', replayId).execute();
    expect(await page.locator('[data-testid=timeline] [data-kind=segment]').count()).toBe(segments.length);
    const video = page.locator('[data-testid=player] video');
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      void v.play();
    });
    await waitFor('the replay to reach its end', () => video.evaluate((v: HTMLVideoElement) => v.ended || (v.duration > 0 && v.currentTime >= v.duration - 0.3)), 60_000, 500);
    expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeGreaterThan(6);
    expect((await page.locator('[data-testid=player]').getAttribute('data-fatal-error')) ?? '').toBe('');
    expect(await page.locator('[data-testid=watermark]').innerText()).toContain('李审看');
    await page.context().close();
  });

  it('a party and an unsigned client get no media byte', async () => {
    const party = await pageFor('party');
    await signIn(party, 'P-300');
    await party.waitForURL((u) => !u.hash.includes('sign-in'));
    const token = await party.evaluate(() => (JSON.parse(sessionStorage.getItem('liuhen.session') ?? '{}') as { accessToken?: string }).accessToken);
    expect(token).toBeTruthy();
    const attempts = await party.evaluate(
      async ({ replayId, liveDeviceId, token }) => {
        const statuses: number[] = [];
        for (const body of [{ recordingId: replayId }, { deviceId: liveDeviceId }]) {
          const r = await fetch('/api/playback-sessions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
          statuses.push(r.status);
        }
        statuses.push((await fetch(`/api/recordings/${replayId}`, { headers: { authorization: `Bearer ${token}` } })).status);
        return statuses;
      },
      { replayId, liveDeviceId, token },
    );
    expect(attempts).toEqual([403, 403, 403]);
    await party.goto(`${base}/#/replay/${replayId}`);
    await party.waitForTimeout(2000);
    await party.context().close();

    // An unsigned client replays a URL it saw somewhere else: a reviewer's segment path without its signature.
    const stranger = await pageFor('unsigned');
    await stranger.goto(`${base}/`);
    const seen = fetched.find((f) => f.who === 'reviewer')!;
    const statuses = await stranger.evaluate(
      async (paths) => Promise.all(paths.map(async (p) => (await fetch(p)).status)),
      [`/play/${seen.sessionId}/${seen.recordingId}/${seen.idx}.ts`, `/play/${seen.sessionId}/index.m3u8`, '/api/recordings'],
    );
    expect(statuses).toEqual([401, 401, 401]);
    await stranger.context().close();
    expect(fetched.filter((f) => f.who === 'party' || f.who === 'unsigned').every((f) => f.bytes === 0)).toBe(true);
  });

  it('every segment the browser fetched is in the audit log exactly once', async () => {
    await server.core.audit.flush();
    const served = fetched.filter((f) => f.status === 200);
    expect(served.filter((f) => f.who === 'commander').length).toBeGreaterThan(2);
    expect(served.filter((f) => f.who === 'reviewer').length).toBeGreaterThan(3);
    const events = (await server.core.audit.query({ action: 'playback.segment' })).filter((e) => e.outcome === 'ok');
    const key = (sid: string, segment: string) => `${sid} ${segment}`;
    // The object served is the original, a rendition or (replay) the session's marked variant of the segment.
    const segmentOf = (object: string) => {
      const m = /^(?:recordings|derivatives)\/([^/]+)\/(?:segments|r360|mark_a|mark_b)\/(\d+)\.ts$/.exec(object);
      return m ? `${m[1]}/${Number(m[2])}` : object;
    };
    const logged = new Map<string, number>();
    for (const e of events) logged.set(key(e.session_id!, segmentOf(e.object!)), (logged.get(key(e.session_id!, segmentOf(e.object!))) ?? 0) + 1);
    const browserSaw = new Map<string, number>();
    for (const f of served) {
      const k = key(f.sessionId, `${f.recordingId}/${f.idx}`);
      browserSaw.set(k, (browserSaw.get(k) ?? 0) + 1);
    }
    for (const [k, n] of browserSaw) expect(logged.get(k), k).toBe(n);
    const sessions = new Set(served.map((f) => f.sessionId));
    const loggedForTheseSessions = events.filter((e) => sessions.has(e.session_id!));
    expect(loggedForTheseSessions.length).toBe(served.length);
    for (const e of loggedForTheseSessions) {
      expect(e.actor).toMatch(/^user:usr-/);
      expect(e.bytes).toBeGreaterThan(0);
      expect(e.user_agent).toMatch(/Chrome/);
      expect(e.address).toBe('127.0.0.1');
    }
  });
});
