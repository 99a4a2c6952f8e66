/**
 * Accounts through the real API (issue 13): one-time passwords changed at the first sign-in under
 * the password rules, the admin's proposals and the security officer's approvals (三员分立), reset
 * and disable ending sessions at once, nothing deleted, the account's history, idle sessions ending,
 * and the operator's command line bound by the same two-person rule once a security officer exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Confidentiality, Role } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, signedInUser } from '../helpers/viewing.ts';

let server: RunningServer;
let admin: Session;
let officer: Session;
let auditor: Session;
let badgeNo = 0;
const nextBadge = (prefix: string) => `${prefix}-${++badgeNo}`;
/** a password a person would choose under the rules */
const CHOSEN = 'Chosen-Passw0rd!';

interface Session {
  accessToken: string;
  refreshToken: string;
  userId: string;
}
type Answer = { status: number; body: Record<string, any> };

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  admin = await signedInUser(server, 'admin', 'u1', 'ADM-1');
  officer = await signedInUser(server, 'security_officer', 'u1', 'SO-1');
  auditor = await signedInUser(server, 'auditor', 'u1', 'AUD-1');
});
afterAll(async () => server?.stop());

async function call(who: { accessToken: string } | null, method: string, path: string, body?: unknown, port = server.httpPort): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${who.accessToken}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}
const signIn = (badge: string, password: string, port = server.httpPort) => call(null, 'POST', '/api/auth/sign-in', { badge, password }, port);
const asSession = (a: Answer, userId = ''): Session => ({ accessToken: a.body.accessToken, refreshToken: a.body.refreshToken, userId });

/** An account made by the admin through the API: its view, one-time password and grant. */
async function created(role: Role, clearances: Confidentiality[] = []) {
  const badge = nextBadge(role);
  const made = await call(admin, 'POST', '/api/users', { role, unit: 'u1', name: `新 ${role}`, badge, clearances });
  expect(made.status).toBe(201);
  return { badge, ...(made.body as { user: { id: string; state: string; mustChangePassword: boolean }; password: string; grant: { id: string } | null }) };
}

/** Signs in with the one-time password and sets CHOSEN, as a new user's first visit does. */
async function firstVisit(badge: string, oneTime: string): Promise<Session> {
  const s = asSession(await signIn(badge, oneTime));
  expect((await call(s, 'POST', '/api/me/password', { current: oneTime, next: CHOSEN })).status).toBe(204);
  return s;
}

describe('a one-time password', () => {
  it('must be changed, under the rules, before anything else', async () => {
    const { badge, user, password, grant } = await created('legal');
    expect(grant).toBeNull();
    expect(user).toMatchObject({ state: 'active', mustChangePassword: true, lastSignInAt: null, clearances: [] });
    const first = await signIn(badge, password);
    expect(first.status).toBe(200);
    expect(first.body.mustChangePassword).toBe(true);
    const s = asSession(first);

    expect(await call(s, 'GET', '/api/recordings')).toMatchObject({ status: 403, body: { error: 'password_change_required' } });
    expect(await call(s, 'GET', '/api/cases')).toMatchObject({ status: 403, body: { error: 'password_change_required' } });
    expect(await call(s, 'GET', '/api/me')).toMatchObject({ status: 200, body: { mustChangePassword: true, user: { badge, role: 'legal' } } });

    const change = (current: string, next: string) => call(s, 'POST', '/api/me/password', { current, next });
    expect(await change('not it at all', 'Another-Passw0rd')).toMatchObject({ status: 403, body: { error: 'wrong_password' } });
    const weak = await change(password, 'short');
    expect(weak).toMatchObject({ status: 400, body: { error: 'weak_password' } });
    expect(weak.body.message).toContain('at least 12 characters');
    expect(await change(password, `Xx-${badge}-2026`)).toMatchObject({ status: 400, body: { error: 'weak_password' } });
    expect(await change(password, password)).toMatchObject({ status: 400, body: { error: 'password_reused' } });
    expect((await change(password, 'Strong-Passw0rd-1')).status).toBe(204);
    // The one-time password and the chosen one are hashed at the installation's cost: LIUHEN_PASSWORD_COST, here the tests' 10.
    const history = await server.core.db
      .selectFrom('password_history')
      .innerJoin('users', 'users.id', 'password_history.user_id')
      .select('password_history.password_hash')
      .where('users.badge', '=', badge)
      .execute();
    expect(history.map((h) => h.password_hash.split('$').slice(0, 4).join('$'))).toEqual(['scrypt$1024$8$1', 'scrypt$1024$8$1']);

    expect((await call(s, 'GET', '/api/cases')).status).toBe(200);
    expect((await call(s, 'GET', '/api/me')).body.mustChangePassword).toBe(false);
    expect((await signIn(badge, password)).status).toBe(401);
    const listed = (await call(admin, 'GET', '/api/users')).body.users.find((u: { badge: string }) => u.badge === badge);
    expect(listed).toMatchObject({ state: 'active', mustChangePassword: false, lastSignInAt: expect.any(String) });
  });

  it('and none of the last five comes back', async () => {
    const { badge, password } = await created('legal');
    const s = asSession(await signIn(badge, password));
    const passwords = [password, ...[1, 2, 3, 4, 5].map((i) => `Strong-Passw0rd-${i}`)];
    for (let i = 1; i < passwords.length; i++) expect((await call(s, 'POST', '/api/me/password', { current: passwords[i - 1], next: passwords[i] })).status).toBe(204);
    // The last five are 1–5: 1 is refused, the one-time password before them is six back.
    expect(await call(s, 'POST', '/api/me/password', { current: passwords[5], next: passwords[1] })).toMatchObject({ status: 400, body: { error: 'password_reused' } });
    expect((await call(s, 'POST', '/api/me/password', { current: passwords[5], next: passwords[0] })).status).toBe(204);
  });
});

describe('two people give media (三员分立)', () => {
  it('the admin proposes, the security officer approves, and only then does the account sign in', async () => {
    const { badge, user, password, grant } = await created('custodian', ['privacy']);
    expect(user.state).toBe('awaiting_approval');
    expect(grant).toMatchObject({ kind: 'create', role: 'custodian', clearances: ['privacy'], state: 'proposed', userBadge: badge, proposedBy: { id: admin.userId, badge: 'ADM-1' }, decidedBy: null });
    expect(await signIn(badge, password)).toMatchObject({ status: 401, body: { error: 'awaiting_approval' } });

    expect(await call(admin, 'POST', `/api/grants/${grant!.id}/approve`)).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect(await call(auditor, 'POST', `/api/grants/${grant!.id}/approve`)).toEqual({ status: 403, body: { error: 'forbidden' } });
    const proposed = (await call(officer, 'GET', '/api/grants?state=proposed')).body.grants.map((g: { id: string }) => g.id);
    expect(proposed).toContain(grant!.id);

    const approved = await call(officer, 'POST', `/api/grants/${grant!.id}/approve`);
    expect(approved).toMatchObject({ status: 200, body: { grant: { state: 'approved', decidedBy: { id: officer.userId, badge: 'SO-1' }, decidedAt: expect.any(String) } } });
    expect(await call(officer, 'POST', `/api/grants/${grant!.id}/approve`)).toMatchObject({ status: 409, body: { error: 'grant_decided' } });
    expect(await call(officer, 'POST', `/api/grants/${grant!.id}/reject`, { reason: '改主意' })).toMatchObject({ status: 409, body: { error: 'grant_decided' } });
    const s = await firstVisit(badge, password);
    expect((await call(s, 'GET', '/api/me')).body.user).toMatchObject({ role: 'custodian' });

    await server.core.audit.flush();
    const actions = (await server.core.audit.query({ subject: user.id })).map(
      (e) => `${e.actor === `user:${admin.userId}` ? 'admin' : e.actor === `user:${officer.userId}` ? 'officer' : 'user'} ${e.action}`,
    );
    expect(actions).toEqual(expect.arrayContaining(['admin user.add', 'admin grant.propose', 'officer grant.approve']));
  });

  it('a rejected account stays, disabled', async () => {
    const { badge, user, password, grant } = await created('reviewer');
    expect(await call(officer, 'POST', `/api/grants/${grant!.id}/reject`, {})).toMatchObject({ status: 400 });
    expect(await call(officer, 'POST', `/api/grants/${grant!.id}/reject`, { reason: '无此岗位' })).toMatchObject({ status: 200, body: { grant: { state: 'rejected', reason: '无此岗位' } } });
    expect(await signIn(badge, password)).toMatchObject({ status: 401, body: { error: 'account_disabled' } });
    expect((await call(auditor, 'GET', '/api/users')).body.users.find((u: { id: string }) => u.id === user.id)).toMatchObject({ state: 'disabled' });
  });

  it('a change that gives is proposed, one that takes away is applied at once', async () => {
    const { badge, user, password, grant } = await created('custodian', ['privacy', 'trade_secret']);
    await call(officer, 'POST', `/api/grants/${grant!.id}/approve`);
    const s = await firstVisit(badge, password);
    const change = (body: unknown) => call(admin, 'POST', `/api/users/${user.id}/grants`, body);

    expect(await change({ clearances: ['privacy'] })).toMatchObject({ status: 200, body: { user: { clearances: ['privacy'], role: 'custodian' } } });
    const adding = await change({ clearances: ['privacy', 'state_secret'] });
    expect(adding).toMatchObject({ status: 202, body: { grant: { kind: 'change', clearances: ['privacy', 'state_secret'], state: 'proposed' } } });
    expect(await change({ role: 'admin' })).toMatchObject({ status: 200, body: { user: { role: 'admin', clearances: ['privacy'] } } });
    // Taken away at once: the session the user holds has no replay any more.
    expect((await call(s, 'GET', '/api/me')).body.user.role).toBe('admin');
    expect((await change({ role: 'security_officer' })).status).toBe(202);
    expect((await call(officer, 'POST', `/api/grants/${adding.body.grant.id}/approve`)).status).toBe(200);
    expect((await call(admin, 'GET', '/api/users')).body.users.find((u: { id: string }) => u.id === user.id)).toMatchObject({ role: 'custodian', clearances: ['privacy', 'state_secret'] });
  });

  it('no security officer decides a grant for themselves, and none creates or changes accounts', async () => {
    const second = await signedInUser(server, 'security_officer', 'u1', nextBadge('SO'));
    const forSecond = await call(admin, 'POST', `/api/users/${second.userId}/grants`, { clearances: ['state_secret'] });
    expect(forSecond.status).toBe(202);
    expect(await call(second, 'POST', `/api/grants/${forSecond.body.grant.id}/approve`)).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect((await call(officer, 'POST', `/api/grants/${forSecond.body.grant.id}/reject`, { reason: '不需要' })).status).toBe(200);

    expect(await call(officer, 'POST', '/api/users', { role: 'custodian', unit: 'u1', name: '自建', badge: nextBadge('x') })).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect(await call(officer, 'POST', `/api/users/${officer.userId}/grants`, { role: 'custodian' })).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect(await call(auditor, 'POST', `/api/users/${second.userId}/disable`, { reason: '试' })).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect((await call(auditor, 'GET', '/api/grants')).status).toBe(200);
  });

  it('the admin neither chooses a password nor manages their own account', async () => {
    expect((await call(admin, 'POST', '/api/users', { role: 'legal', unit: 'u1', name: '法制', badge: nextBadge('p'), password: PASSWORD })).status).toBe(400);
    for (const [path, body] of [
      ['grants', { role: 'custodian' }],
      ['reset', undefined],
      ['disable', { reason: '自己' }],
      ['enable', undefined],
    ] as const) {
      expect(await call(admin, 'POST', `/api/users/${admin.userId}/${path}`, body ?? {})).toEqual({ status: 403, body: { error: 'forbidden' } });
    }
  });
});

describe('disable, enable and reset', () => {
  it('disabling ends the sessions at once and deletes nothing; enabling a media account takes approval', async () => {
    const { badge, user, password, grant } = await created('commander');
    await call(officer, 'POST', `/api/grants/${grant!.id}/approve`);
    const s = await firstVisit(badge, password);
    expect((await call(s, 'GET', '/api/live')).status).toBe(200);

    expect(await call(admin, 'POST', `/api/users/${user.id}/disable`, { reason: '调离' })).toMatchObject({ status: 200, body: { user: { id: user.id, state: 'disabled' } } });
    expect((await call(s, 'GET', '/api/live')).status).toBe(401);
    expect((await call(null, 'POST', '/api/auth/refresh', { refreshToken: s.refreshToken })).status).toBe(401);
    expect(await signIn(badge, CHOSEN)).toMatchObject({ status: 401, body: { error: 'account_disabled' } });
    // A wrong password still hears only that.
    expect(await signIn(badge, 'Wrong-Passw0rd!')).toMatchObject({ status: 401, body: { error: 'bad_credentials' } });

    const enabling = await call(admin, 'POST', `/api/users/${user.id}/enable`);
    expect(enabling).toMatchObject({ status: 202, body: { grant: { kind: 'enable', role: 'commander', state: 'proposed' } } });
    expect(await signIn(badge, CHOSEN)).toMatchObject({ status: 401, body: { error: 'account_disabled' } });
    expect((await call(officer, 'POST', `/api/grants/${enabling.body.grant.id}/approve`)).status).toBe(200);
    expect((await signIn(badge, CHOSEN)).status).toBe(200);

    const history = await call(auditor, 'GET', `/api/users/${user.id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.signIns.map((i: { outcome: string }) => i.outcome)).toEqual(['ok', 'refused', 'refused', 'refused', 'ok']);
    expect(history.body.signIns[0]).toMatchObject({ at: expect.any(String), address: '127.0.0.1' });
    const actions = history.body.events.map((e: { action: string }) => e.action);
    expect(actions.indexOf('grant.approve')).toBeLessThan(actions.indexOf('user.disable'));
    expect(actions).toEqual(expect.arrayContaining(['user.add', 'grant.propose', 'user.password', 'user.disable']));
  });

  it('an account without media is enabled at once', async () => {
    const { user } = await created('legal');
    expect(await call(admin, 'POST', `/api/users/${user.id}/enable`)).toMatchObject({ status: 409, body: { error: 'account_not_disabled' } });
    await call(admin, 'POST', `/api/users/${user.id}/disable`, { reason: '休假' });
    expect(await call(admin, 'POST', `/api/users/${user.id}/enable`)).toMatchObject({ status: 200, body: { user: { state: 'active' } } });
  });

  it('a reset ends every session and hands out a new one-time password', async () => {
    const { badge, user, password } = await created('legal');
    const s = await firstVisit(badge, password);
    const other = asSession(await signIn(badge, CHOSEN));
    const reset = await call(admin, 'POST', `/api/users/${user.id}/reset`);
    expect(reset.status).toBe(200);
    for (const session of [s, other]) expect((await call(session, 'GET', '/api/me')).status).toBe(401);
    expect((await signIn(badge, CHOSEN)).status).toBe(401);
    const again = await signIn(badge, reset.body.password);
    expect(again).toMatchObject({ status: 200, body: { mustChangePassword: true } });
    expect(await call(asSession(again), 'GET', '/api/cases')).toMatchObject({ status: 403, body: { error: 'password_change_required' } });
  });
});

describe('taking over an account', () => {
  it('a reset of an account with media or oversight is proposed; the approving security officer receives the password', async () => {
    const { badge, user, password, grant } = await created('reviewer');
    await call(officer, 'POST', `/api/grants/${grant!.id}/approve`);
    const s = await firstVisit(badge, password);

    const reset = await call(admin, 'POST', `/api/users/${user.id}/reset`);
    expect(reset).toMatchObject({ status: 202, body: { grant: { kind: 'reset', userId: user.id, role: 'reviewer', state: 'proposed' } } });
    expect(reset.body).not.toHaveProperty('password');
    // Nothing changed yet: the reviewer works on with their own password.
    expect((await call(s, 'GET', '/api/me')).status).toBe(200);
    expect((await signIn(badge, CHOSEN)).status).toBe(200);

    const approved = await call(officer, 'POST', `/api/grants/${reset.body.grant.id}/approve`);
    expect(approved).toMatchObject({ status: 200, body: { grant: { kind: 'reset', state: 'approved' }, password: expect.any(String) } });
    expect((await call(s, 'GET', '/api/me')).status).toBe(401);
    expect((await signIn(badge, CHOSEN)).status).toBe(401);
    expect(await signIn(badge, approved.body.password)).toMatchObject({ status: 200, body: { mustChangePassword: true } });
    // A reset gives nothing: the account keeps what it holds.
    const users = (await call(admin, 'GET', '/api/users')).body.users as { id: string; role: string; clearances: string[] }[];
    expect(users.find((u) => u.id === user.id)).toMatchObject({ role: 'reviewer', clearances: [] });

    for (const role of ['security_officer', 'auditor'] as const) {
      const overseer = await signedInUser(server, role, 'u1', nextBadge(role));
      expect((await call(admin, 'POST', `/api/users/${overseer.userId}/reset`)).status).toBe(202);
    }
  });

  it('a stolen token does not guess the password: wrong current passwords count as failed sign-ins', async () => {
    const { badge, password } = await created('legal');
    const s = await firstVisit(badge, password);
    const change = (current: string) => call(s, 'POST', '/api/me/password', { current, next: 'Another-Passw0rd!' });
    for (let i = 0; i < 10; i++) expect((await change(`Guess-${i}-Passw0rd`)).body.error).toBe('wrong_password');
    const held = await change(CHOSEN);
    expect(held).toMatchObject({ status: 429, body: { error: 'rate_limited', retryAfterSeconds: expect.any(Number) } });
    // The account's one counter: sign-in is held back as well.
    expect((await signIn(badge, CHOSEN)).status).toBe(429);
  });

  it('the last active security officer is neither disabled nor given another role', async () => {
    const quick = await startTestServer(await testEnv());
    try {
      const port = quick.httpPort;
      const boss = await signedInUser(quick, 'admin', 'u1', 'LSO-A');
      const only = await signedInUser(quick, 'security_officer', 'u1', 'LSO-1');
      const refused = { status: 409, body: { error: 'last_security_officer' } };
      expect(await call(boss, 'POST', `/api/users/${only.userId}/disable`, { reason: '离职' }, port)).toMatchObject(refused);
      expect(await call(boss, 'POST', `/api/users/${only.userId}/grants`, { role: 'admin' }, port)).toMatchObject(refused);
      expect((await call(only, 'GET', '/api/grants', undefined, port)).status).toBe(200);
      // With a second one, either may go.
      await signedInUser(quick, 'security_officer', 'u1', 'LSO-2');
      expect(await call(boss, 'POST', `/api/users/${only.userId}/disable`, { reason: '离职' }, port)).toMatchObject({ status: 200, body: { user: { state: 'disabled' } } });
    } finally {
      await quick.stop();
    }
  });
});

// The two wait out the idle time side by side: each has its own user.
describe.concurrent('an idle session', () => {
  let quick: RunningServer;
  beforeAll(async () => {
    quick = await startTestServer(await testEnv({ LIUHEN_IDLE_MINUTES: '0.05' }));
  });
  afterAll(async () => quick?.stop());

  it('lives while used, and ends after LIUHEN_IDLE_MINUTES without a request: access and refresh tokens alike', async () => {
    const u = await signedInUser(quick, 'legal', 'u1', 'IDLE-1');
    const me = () => call(u, 'GET', '/api/me', undefined, quick.httpPort);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await me()).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 3_500));
    expect(await me()).toMatchObject({ status: 401, body: { error: 'session_idle' } });
    expect(await call(null, 'POST', '/api/auth/refresh', { refreshToken: u.refreshToken }, quick.httpPort)).toMatchObject({ status: 401 });
    await quick.core.audit.flush();
    expect(await quick.core.audit.query({ action: 'auth.idle', subject: u.userId })).toHaveLength(1);
  }, 30_000);

  it('ends for the refresh token too when nothing used the session', async () => {
    const u = await signedInUser(quick, 'legal', 'u1', 'IDLE-2');
    await new Promise((r) => setTimeout(r, 3_500));
    expect(await call(null, 'POST', '/api/auth/refresh', { refreshToken: u.refreshToken }, quick.httpPort)).toMatchObject({ status: 401, body: { error: 'session_idle' } });
    expect((await call(u, 'GET', '/api/me', undefined, quick.httpPort)).status).toBe(401);
  }, 30_000);
});

describe('the operator’s command line', () => {
  it('bootstraps alone only while no security officer is active, then proposes like the admin', async () => {
    const env = await testEnv();
    const cli = async (...args: string[]) => {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(await cli('user', 'add', '--role', 'security_officer', '--unit', 'u1', '--name', '安全员', '--badge', 'SO-9')).toMatch(/one-time password \(shown once.*\): \S{18}\n$/);
    const custodian = await cli('user', 'add', '--role', 'custodian', '--unit', 'u1', '--name', '保管员', '--badge', 'K-9', '--clearance', 'privacy');
    expect(custodian).toMatch(/awaiting a security officer's approval \(grant gr-/);
    expect(JSON.parse(await cli('grants', '--state', 'proposed', '--json')).grants).toMatchObject([{ kind: 'create', userBadge: 'K-9', proposedBy: { name: expect.stringMatching(/^cli:/) } }]);
    // The last active security officer stays: approvals would stop, and the shell would act alone again.
    const disabling = await runCli(['user', 'disable', 'SO-9', '--reason', '离职'], env);
    expect(disabling.code).not.toBe(0);
    expect(disabling.stderr).toContain('last active security officer');
    // An account with media is reset like the admin resets it: proposed, its approver gets the password.
    expect(await cli('user', 'reset', 'K-9')).toMatch(/reset proposed \(grant gr-[a-z0-9]+\): the security officer who approves it receives the one-time password/);
    const users = JSON.parse(await cli('users', '--json')) as { badge: string; state: string; mustChangePassword: boolean }[];
    expect(users.map((u) => [u.badge, u.state, u.mustChangePassword])).toEqual([
      ['SO-9', 'active', true],
      ['K-9', 'awaiting_approval', true],
    ]);
  }, 120_000);
});
