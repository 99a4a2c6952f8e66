/**
 * A party's supervised viewing end to end, in Debian's Chromium through hls.js (000 §21, 001 §36,
 * 004 §18): the party asks on #/party, the agency head approves on #/approvals, the room stays
 * closed until the custodian joins on #/rooms, the party then plays under their watermark, the
 * supervisor ends it and the party gets no further byte. Every step is in the audit log.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Recording } from '../../server/db/schema.ts';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../helpers/browser.ts';
import { looksLikeMedia } from '../helpers/http.ts';
import { apiOf, approval, deriveMarked, recordClosed, setLabel, workerDeps } from '../helpers/party-flow.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let browser: Browser;
let base: string;
let recording: Recording;
let party: SignedIn;
let custodian: SignedIn;
let head: SignedIn;
/** every segment response the party's browser saw */
const segments: { url: string; status: number; media: boolean; at: number }[] = [];

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  server = await startTestServer(await testEnv({ LIUHEN_GRACE_SECONDS: '1' }));
  base = `http://127.0.0.1:${server.httpPort}`;
  recording = await recordClosed(server, 'u1', 'PE-1', 8);
  await deriveMarked(workerDeps(server), recording.id);
  party = await signedInUser(server, 'party', 'u1', 'P-900', { name: '王当事' });
  // Cleared for the label the last test sets: changing a label needs its clearance.
  custodian = await signedInUser(server, 'custodian', 'u1', 'K-900', { name: '李保管', clearances: ['privacy'] });
  head = await signedInUser(server, 'agency_head', 'u1', 'H-900', { name: '张局长' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signedInPage(badge: string, home: RegExp): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${base}/#/sign-in`);
  await page.fill('[name=badge]', badge);
  await page.fill('[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(home);
  return page;
}

describe('supervised viewing in the browser', () => {
  it('request → approval → closed until the supervisor joins → the party plays → ended: no further byte', async () => {
    const api = apiOf(server);
    const partyPage = await signedInPage('P-900', /#\/party$/);
    partyPage.on('response', async (res) => {
      if (!/\/play\/[^/]+\/[^/]+\/\d+\.ts/.test(new URL(res.url()).pathname)) return;
      const body = await res.body().catch(() => Buffer.alloc(0));
      segments.push({ url: res.url(), status: res.status(), media: looksLikeMedia(body), at: Date.now() });
    });

    // 1. The party asks.
    await partyPage.fill('[name=recordingIds]', recording.id);
    await partyPage.fill('[name=reason]', '核对现场检查的经过');
    await partyPage.click('[data-testid=party-request-form] button[type=submit]');
    const row = partyPage.locator('[data-testid=party-request-row]');
    await row.and(partyPage.locator('[data-state=pending]')).waitFor();
    const requestId = (await row.getAttribute('data-request-id'))!;

    // 2. The agency head approves on the approvals page.
    const headPage = await signedInPage('H-900', /#\/approvals$/);
    const card = headPage.locator(`[data-testid=approval-card][data-request-id="${requestId}"]`);
    await card.locator('[data-testid=approval-recording]').waitFor();
    await card.locator('[data-testid=approve]').click();
    await card.waitFor({ state: 'detached' });

    // 3. The party enters the room: it waits for the supervisor and plays nothing.
    await partyPage.locator(`[data-testid=party-request-row][data-request-id="${requestId}"][data-state=approved] [data-testid=enter-room]`).click({ timeout: 15_000 });
    await partyPage.waitForURL(/#\/rooms\/room-/);
    const roomId = /#\/rooms\/(room-[a-z0-9]+)/.exec(partyPage.url())![1]!;
    await partyPage.locator('[data-testid=room-state][data-state=waiting]').waitFor();
    expect(await partyPage.locator('[data-testid=room-notice]').innerText()).toContain('等待监督人员加入');
    expect(await partyPage.locator('[data-testid=room-player]').count()).toBe(0);
    const early = await api(party, `rooms/${roomId}/playback-sessions`, { recordingId: recording.id });
    expect(early.status).toBe(403);
    expect(segments).toEqual([]);

    // 4. The custodian joins from the rooms list.
    const supervisorPage = await signedInPage('K-900', /#\/recordings$/);
    await supervisorPage.goto(`${base}/#/rooms`);
    const roomRow = supervisorPage.locator(`[data-testid=room-row][data-room-id="${roomId}"]`);
    await roomRow.locator('[data-testid=room-join]').click();
    await supervisorPage.locator(`[data-testid=room-row][data-room-id="${roomId}"][data-state=open]`).waitFor();

    // 5. The party plays, under a watermark naming them.
    const player = partyPage.locator(`[data-testid=room-player][data-recording-id="${recording.id}"]`);
    const video = player.locator('video');
    await player.waitFor({ timeout: 10_000 });
    const t0 = await waitFor(
      'the party’s video to play',
      async () => {
        const t = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
        return t > 0.3 ? t : undefined;
      },
      30_000,
      250,
    );
    await waitFor('the video time to advance', async () => (await video.evaluate((v: HTMLVideoElement) => v.currentTime)) > t0 + 1, 15_000, 250);
    const watermark = await player.locator('[data-testid=watermark]').innerText();
    expect(watermark).toContain('王当事');
    expect(watermark).toContain('P-900');
    expect(watermark).toMatch(/ps-[a-z0-9]+/);
    const served = segments.filter((s) => s.status === 200 && s.media);
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((s) => new URL(s.url).searchParams.get('v') === 'mark')).toBe(true);

    // 6. The supervisor ends it; the party's page stops and no byte follows.
    await supervisorPage.locator(`[data-testid=room-row][data-room-id="${roomId}"] [data-testid=room-end]`).click();
    await supervisorPage.locator(`[data-testid=room-row][data-room-id="${roomId}"]`).waitFor({ state: 'detached' });
    const endedAt = Date.now();
    await partyPage.locator('[data-testid=room-state][data-state=ended]').waitFor({ timeout: 5000 });
    expect(await partyPage.locator('[data-testid=room-player]').count()).toBe(0);
    await partyPage.waitForTimeout(2000);
    expect(segments.filter((s) => s.at > endedAt + 300 && s.status === 200)).toEqual([]);
    const after = await fetch(served[0]!.url);
    expect(after.status).toBe(403);
    expect(looksLikeMedia(Buffer.from(await after.arrayBuffer()))).toBe(false);

    // 7. Each step is in the audit log, and every segment served to the room came before its end.
    const trail = await server.core.db.selectFrom('audit_events').selectAll().where('subject', '=', requestId).orderBy('seq').execute();
    const ok = trail.filter((e) => e.outcome === 'ok');
    expect(ok.map((e) => e.action)).toEqual(['party.request', 'party.decision', 'room.create', 'room.join', 'room.end']);
    expect(JSON.parse(ok.at(-1)!.detail)).toEqual({ roomId, reason: 'supervisor' });
    const sessions = await server.core.db.selectFrom('playback_sessions').select('id').where('room_id', '=', roomId).execute();
    expect(sessions.length).toBe(1);
    const segmentEvents = await server.core.db.selectFrom('audit_events').selectAll().where('session_id', '=', sessions[0]!.id).where('action', '=', 'playback.segment').execute();
    const okSegments = segmentEvents.filter((e) => e.outcome === 'ok');
    expect(okSegments.length).toBeGreaterThanOrEqual(served.length);
    expect(okSegments.every((e) => JSON.parse(e.detail).roomId === roomId && e.actor === `user:${party.userId}`)).toBe(true);
    const endSeq = ok.at(-1)!.seq;
    expect(okSegments.every((e) => e.seq < endSeq)).toBe(true);
    expect(segmentEvents.some((e) => e.outcome === 'refused' && e.seq > endSeq && JSON.parse(e.detail).reason === 'room_ended')).toBe(true);
  });

  it('says a refused step and a refused play in words, in either language, not as codes (labels the recording: last)', async () => {
    const api = apiOf(server);
    const asked = await api<{ requestId: string }>(party, 'party-requests', { kind: 'view', recordingIds: [recording.id], reason: '核对' });
    const requestId = asked.body.requestId;
    expect((await api(head, `party-requests/${requestId}/decision`, approval([recording.id]))).status).toBe(200);

    // A step on a room another supervisor ended meanwhile: the page, not polling, still offers it.
    const first = await api<{ roomId: string }>(party, `party-requests/${requestId}/rooms`, {});
    const supervisorPage = await signedInPage('K-900', /#\/recordings$/);
    await supervisorPage.goto(`${base}/#/rooms/${first.body.roomId}`);
    const join = supervisorPage.locator('[data-testid=room-join]');
    await join.waitFor();
    await supervisorPage.route(`${base}/api/rooms/${first.body.roomId}`, (route) => route.abort());
    expect((await api(custodian, `rooms/${first.body.roomId}/end`, {})).status).toBe(200);
    await join.click();
    const stepProblem = supervisorPage.locator('[data-testid=room-step-problem]');
    await stepProblem.waitFor();
    expect(await stepProblem.innerText()).toBe('查阅已结束。');
    await supervisorPage.locator('[data-testid=lang-switch]').click();
    expect(await stepProblem.innerText()).toBe('The viewing has ended.');

    // A play refused once the recording was labelled after the approval: 403, its reason in words.
    const second = await api<{ roomId: string }>(party, `party-requests/${requestId}/rooms`, {});
    expect((await api(custodian, `rooms/${second.body.roomId}/join`, {})).status).toBe(200);
    expect(await setLabel(server, custodian, recording.id, 'privacy')).toBe(204);
    const partyPage = await signedInPage('P-900', /#\/party$/);
    await partyPage.goto(`${base}/#/rooms/${second.body.roomId}`);
    const playProblem = partyPage.locator(`[data-testid=room-player][data-recording-id="${recording.id}"] [data-testid=room-play-problem]`);
    await playProblem.waitFor();
    expect(await playProblem.innerText()).toBe('该录像的保密属性在审批后已变更，原审批不再适用，须重新申请。');
    await partyPage.locator('[data-testid=lang-switch]').click();
    expect(await playProblem.innerText()).toContain('confidentiality label changed after the approval');
    const refused = await server.core.db.selectFrom('audit_events').selectAll().where('action', '=', 'playback.session').where('outcome', '=', 'refused').where('subject', '=', recording.id).execute();
    expect(refused.map((e) => JSON.parse(e.detail).reason)).toContain('label_changed');
  });
});
