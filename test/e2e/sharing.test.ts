/**
 * Sharing and labels from the replay page, in Debian's Chromium: a custodian shares a recording
 * with a reviewer for a period (the reviewer can then replay it), labels it (the reviewer, not
 * cleared, no longer can), is refused — and told so — a label beyond their own clearance, and
 * clears the label again.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../helpers/browser.ts';
import { apiFetch } from '../helpers/http.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';

let server: RunningServer;
let browser: Browser;
let recordingId: string;
let reviewer: SignedIn;

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  server = await startTestServer(await testEnv());
  const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'S-1', unit: 'u1', name: '记录仪 S1' }, 'test');
  recordingId = await sealedRecording(server, device, new Date(Date.now() - 3_600_000));
  await server.core.users.add({ role: 'custodian', unit: 'u1', name: '郑保管', badge: 'SK-1', password: PASSWORD, clearances: ['privacy'] }, 'test');
  reviewer = await signedInUser(server, 'reviewer', 'u1', 'SR-1');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const reviewerReplays = async () => (await apiFetch(server.httpPort, reviewer, 'playback-sessions', { recordingId })).status;
const labelNow = async () => (await server.core.db.selectFrom('recordings').select('confidentiality').where('id', '=', recordingId).executeTakeFirstOrThrow()).confidentiality;

describe('in the browser', () => {
  it('a custodian shares with a reviewer for a period, and sets, is refused and clears a label', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
    await page.fill('[name=badge]', 'SK-1');
    await page.fill('[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/recordings/);
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recordingId}`);
    const panel = page.locator('[data-testid=share-panel]');
    await panel.waitFor();
    expect(await panel.locator('[data-testid=label-current]').getAttribute('data-label')).toBe('');

    // Share until an hour from now (Beijing time, as the page shows times).
    expect(await reviewerReplays()).toBe(403);
    const until = new Date(Date.now() + 3_600_000);
    const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' }).format(until).replace(' ', 'T');
    await panel.locator('[data-testid=share-badge]').fill('SR-1');
    await panel.locator('[data-testid=share-until]').fill(local);
    await panel.locator('[data-testid=share-submit]').click();
    const shared = panel.locator('[data-testid=share-status][data-outcome=ok]');
    await shared.waitFor();
    expect(await shared.innerText()).toContain('已共享给 SR-1');
    expect(await reviewerReplays()).toBe(201);
    const share = await server.core.db.selectFrom('recording_shares').selectAll().where('recording_id', '=', recordingId).executeTakeFirstOrThrow();
    expect(Math.abs(Date.parse(share.expires_at!) - until.getTime())).toBeLessThan(60_000);

    // Someone who is not a reviewer: said in words.
    await panel.locator('[data-testid=share-badge]').fill('SK-1');
    await panel.locator('[data-testid=share-submit]').click();
    await panel.locator('[data-testid=share-status][data-outcome=refused]').waitFor();
    expect(await panel.locator('[data-testid=share-status]').innerText()).toContain('不是在岗的审看人员');

    // A label the custodian is cleared for: the reviewer, who is not, can no longer replay.
    await panel.locator('[data-testid=label-choice]').selectOption('privacy');
    await panel.locator('[data-testid=label-submit]').click();
    await panel.locator('[data-testid=label-status][data-outcome=ok]').waitFor();
    expect(await panel.locator('[data-testid=label-current]').innerText()).toContain('个人隐私');
    expect(await labelNow()).toBe('privacy');
    expect(await reviewerReplays()).toBe(403);

    // A label beyond the custodian's clearance: the server refuses, and the page says why.
    await panel.locator('[data-testid=label-choice]').selectOption('state_secret');
    await panel.locator('[data-testid=label-submit]').click();
    const refused = panel.locator('[data-testid=label-status][data-outcome=refused]');
    await refused.waitFor();
    expect(await refused.innerText()).toContain('服务器拒绝');
    expect(await labelNow()).toBe('privacy');

    // Cleared again: the share still holds, so the reviewer replays.
    await panel.locator('[data-testid=label-choice]').selectOption('');
    await panel.locator('[data-testid=label-submit]').click();
    await panel.locator('[data-testid=label-status][data-outcome=ok]').waitFor();
    expect(await labelNow()).toBeNull();
    expect(await reviewerReplays()).toBe(201);
    await page.context().close();
  });

  it('shows no keeping card to a reviewer', async () => {
    // Shared here too, so this test stands without the one before it.
    await server.core.db
      .insertInto('recording_shares')
      .values({ recording_id: recordingId, user_id: reviewer.userId, shared_by: 'test', shared_at: new Date().toISOString(), expires_at: null })
      .onConflict((oc) => oc.columns(['recording_id', 'user_id']).doNothing())
      .execute();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
    await page.fill('[name=badge]', 'SR-1');
    await page.fill('[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/recordings/);
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recordingId}`);
    await page.locator('[data-testid=verification]').waitFor();
    expect(await page.locator('[data-testid=share-panel]').isHidden()).toBe(true);
    await page.context().close();
  });
});
