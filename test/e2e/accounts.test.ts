/**
 * The account console in Debian's Chromium (issue 13): a one-time password opens only the
 * password change; an admin creates a custodian, who cannot sign in until the security officer
 * approves from their own page, and then must change the password; an admin's reset and disable
 * from the users page end the user's open session, and the account's history stays readable.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD } from '../helpers/viewing.ts';

/** Meets the rule: ≥ 12 characters, 4 classes, no badge in it. */
const NEW_PASSWORD = 'Zhiqin-Anquan-2026';

let server: RunningServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  server = await startTestServer(await testEnv());
  base = `http://127.0.0.1:${server.httpPort}`;
  // Fixtures with a password they keep (no change due): the installation's bootstrap accounts.
  await server.core.users.add({ role: 'admin', unit: 'u1', name: '吴管理', badge: 'AD-1', password: PASSWORD }, 'test');
  await server.core.users.add({ role: 'security_officer', unit: 'u1', name: '郑安全', badge: 'SO-1', password: PASSWORD }, 'test');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
}

/** `then`: where the sign-in leads (a role's home, the password change); omitted, it is refused. */
async function signIn(page: Page, badge: string, password: string, then?: RegExp): Promise<void> {
  await page.goto(`${base}/#/sign-in`);
  await page.fill('[name=badge]', badge);
  await page.fill('[name=password]', password);
  await page.click('button[type=submit]');
  if (then) await page.waitForURL(then);
}

/** The forced change: the page says why, the header offers nothing else, then the role's home. */
async function changeForced(page: Page, current: string, home: RegExp): Promise<void> {
  await page.waitForURL(/#\/password$/);
  await page.locator('[data-testid=password-forced]').waitFor();
  expect(await page.locator('nav a').count()).toBe(0);
  await page.fill('[name=current]', current);
  await page.fill('[name=next]', NEW_PASSWORD);
  await page.fill('[name=repeat]', NEW_PASSWORD);
  await page.click('[data-testid=password-form] button[type=submit]');
  await page.waitForURL(home);
}

describe('the account console in the browser', () => {
  it('a one-time password opens only the password change, which states and enforces the rule', async () => {
    const { password } = await server.core.users.add({ role: 'auditor', unit: 'u1', name: '钱审计', badge: 'AU-1' }, 'test');
    const page = await newPage();
    await signIn(page, 'AU-1', password);
    await page.waitForURL(/#\/password$/);
    // Another page asked for by address leads back to the change.
    await page.goto(`${base}/#/audit`);
    await page.waitForURL(/#\/password$/);
    expect(await page.locator('[data-testid=change-password]').count()).toBe(0);

    await page.fill('[name=current]', password);
    await page.fill('[name=next]', 'short');
    await page.fill('[name=repeat]', 'short');
    await page.click('[data-testid=password-form] button[type=submit]');
    const error = page.locator('[data-testid=password-error]');
    await error.waitFor();
    expect(await error.innerText()).toContain('新密码不符合规则');
    expect(page.url()).toMatch(/#\/password$/);

    await page.fill('[name=next]', NEW_PASSWORD);
    await page.fill('[name=repeat]', `${NEW_PASSWORD}x`);
    await page.click('[data-testid=password-form] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-testid=password-error]')?.textContent?.includes('不一致'));

    await changeForced(page, password, /#\/audit$/);
    expect(await page.locator('nav a[href="#/audit"]').count()).toBe(1);

    // "修改密码" is there for every signed-in user; the current password again is refused as reused.
    await page.click('[data-testid=change-password]');
    await page.waitForURL(/#\/password$/);
    expect(await page.locator('[data-testid=password-forced]').count()).toBe(0);
    await page.fill('[name=current]', NEW_PASSWORD);
    await page.fill('[name=next]', NEW_PASSWORD);
    await page.fill('[name=repeat]', NEW_PASSWORD);
    await page.click('[data-testid=password-form] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-testid=password-error]')?.textContent?.includes('最近 5 次'));

    // Signed in again with the new password: straight home.
    await page.click('[data-testid=sign-out]');
    await signIn(page, 'AU-1', NEW_PASSWORD, /#\/audit$/);
    await page.context().close();
  });

  it('an admin creates a custodian, the security officer approves it on their page, the custodian signs in and must change the password', async () => {
    const admin = await newPage();
    await signIn(admin, 'AD-1', PASSWORD, /#\/devices$/);
    await admin.click('nav a[href="#/users"]');
    await admin.waitForURL(/#\/users$/);
    const form = admin.locator('[data-testid=user-create]');
    await form.locator('[name=badge]').fill('K-7');
    await form.locator('[name=name]').fill('周保管');
    await form.locator('[name=role]').selectOption('custodian');
    await form.locator('[name=unit]').fill('u1');
    await form.locator('button[type=submit]').click();
    const created = admin.locator('[data-testid=user-created]');
    await created.locator('[data-testid=one-time-password]').waitFor();
    const password = await created.locator('[data-testid=one-time-password]').innerText();
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await created.innerText()).toContain('首次登录时必须修改');
    expect(await created.innerText()).toContain('须经安全保密管理员审批');
    const row = admin.locator('[data-testid=user-row][data-badge="K-7"]');
    await row.waitFor();
    expect(await row.locator('[data-testid=account-state]').getAttribute('data-state')).toBe('awaiting_approval');

    // Before the approval the right password gets the custodian nowhere, and the page says why.
    const custodian = await newPage();
    await signIn(custodian, 'K-7', password);
    await custodian.waitForFunction(() => document.querySelector('[data-testid=sign-in-error]')?.textContent?.includes('审批'));

    const officer = await newPage();
    await signIn(officer, 'SO-1', PASSWORD, /#\/account-grants$/);
    const card = officer.locator('[data-testid=grant-card][data-state=proposed]', { hasText: 'K-7' });
    await card.waitFor();
    const text = await card.innerText();
    for (const shown of ['新建账户', '周保管', '保管人员', '吴管理（AD-1）']) expect(text).toContain(shown);
    await card.locator('[data-testid=grant-approve]').click();
    await card.waitFor({ state: 'detached' });
    await officer.locator('[name=state]').selectOption('approved');
    await officer.locator('[data-testid=grant-card][data-state=approved]', { hasText: 'K-7' }).waitFor();

    await signIn(custodian, 'K-7', password);
    await changeForced(custodian, password, /#\/recordings$/);

    await admin.reload();
    await admin.waitForFunction(() => document.querySelector('[data-testid=user-row][data-badge="K-7"] [data-testid=account-state]')?.getAttribute('data-state') === 'active');
    expect(await admin.locator('[data-testid=user-row][data-badge="K-7"]').innerText()).not.toContain('须修改密码');
    for (const p of [admin, custodian, officer]) await p.context().close();
  });

  it('an admin resets (with the security officer, for an auditor) and disables an account from the users page: the user’s open session ends each time, the history stays', async () => {
    await server.core.users.add({ role: 'auditor', unit: 'u1', name: '孙审计', badge: 'AU-2', password: PASSWORD }, 'test');
    const user = await newPage();
    await signIn(user, 'AU-2', PASSWORD, /#\/audit$/);

    const admin = await newPage();
    await signIn(admin, 'AD-1', PASSWORD, /#\/devices$/);
    await admin.goto(`${base}/#/users`);
    await admin.locator('[data-testid=user-row][data-badge="AU-2"]').click();
    await admin.waitForURL(/#\/users\/usr/);
    await admin.locator('[data-testid=user-facts]').waitFor();

    await admin.locator('[data-testid=user-reset] button[type=submit]').click();
    // An auditor oversees the admin: whoever resets could sign in as them, so the admin only
    // proposes, and the security officer who approves receives the password to hand over.
    await admin.locator('[data-testid=user-said] [data-outcome="user.resetProposed"]').waitFor();
    expect(await admin.locator('[data-testid=one-time-password]').count()).toBe(0);
    const officer = await newPage();
    await signIn(officer, 'SO-1', PASSWORD, /#\/account-grants$/);
    const card = officer.locator('[data-testid=grant-card][data-state=proposed]', { hasText: 'AU-2' });
    await card.waitFor();
    expect(await card.innerText()).toContain('重置密码');
    await card.locator('[data-testid=grant-approve]').click();
    const oneTime = officer.locator('[data-testid=grant-hand-over] [data-testid=one-time-password]');
    await oneTime.waitFor();
    const password = await oneTime.innerText();
    await officer.context().close();

    // The open session is over: its next request sends the user back to sign-in.
    await user.click('nav a[href="#/analytics"]');
    await user.waitForURL(/#\/sign-in$/);
    await signIn(user, 'AU-2', password);
    await changeForced(user, password, /#\/audit$/);

    await admin.locator('[data-testid=user-disable] [name=reason]').fill('调离岗位');
    await admin.locator('[data-testid=user-disable] button[type=submit]').click();
    await admin.locator('[data-testid=user-said] [data-outcome="user.disabled"]').waitFor();
    await admin.waitForFunction(() => document.querySelector('[data-testid=user-facts] [data-testid=account-state]')?.getAttribute('data-state') === 'disabled');
    await admin.locator('[data-testid=user-enable]').waitFor();

    await user.click('nav a[href="#/analytics"]');
    await user.waitForURL(/#\/sign-in$/);
    await signIn(user, 'AU-2', NEW_PASSWORD);
    await user.waitForFunction(() => document.querySelector('[data-testid=sign-in-error]')?.textContent?.includes('已停用'));

    // Nothing is deleted: the disabled account's sign-ins and audit events are still there.
    await admin.reload();
    await admin.locator('[data-testid=user-facts]').waitFor();
    expect(await admin.locator('[data-testid=sign-in-row]').count()).toBeGreaterThanOrEqual(2);
    expect(await admin.locator('[data-testid=user-events] [data-testid=audit-row]').count()).toBeGreaterThan(0);
    for (const p of [admin, user]) await p.context().close();
  });
  it('a session idle past the limit returns to sign-in saying why', async () => {
    // Its own server: an idle limit of 3 s would end the other tests' sessions between their steps.
    const idle = await startTestServer(await testEnv({ LIUHEN_IDLE_MINUTES: '0.05' }));
    try {
      await idle.core.users.add({ role: 'auditor', unit: 'u1', name: '孙审计', badge: 'AU-9', password: PASSWORD }, 'test');
      const page = await newPage();
      await page.goto(`http://127.0.0.1:${idle.httpPort}/#/sign-in`);
      // A fresh sign-in page has nothing to explain.
      expect(await page.locator('[data-testid=sign-in-notice]').isHidden()).toBe(true);
      await page.fill('[name=badge]', 'AU-9');
      await page.fill('[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL(/#\/audit$/);
      // Left alone past the limit: the next search finds the session ended.
      await new Promise((r) => setTimeout(r, 4000));
      await page.click('form button[type=submit]');
      await page.waitForURL(/#\/sign-in$/);
      const notice = page.locator('[data-testid=sign-in-notice]');
      await notice.waitFor();
      expect(await notice.textContent()).toContain('长时间未操作');
      // Said once: the next visit to sign-in is plain again.
      await page.reload();
      await page.locator('[name=badge]').waitFor();
      expect(await notice.isHidden()).toBe(true);
    } finally {
      await idle.stop();
    }
  }, 60_000);
});
