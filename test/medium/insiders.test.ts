/**
 * The insiders' holes of issue 13, each tried as the insider would through the real API: a label
 * cleared by a custodian not cleared for it, an admin making itself a media account, a commander
 * opening replay through an officer membership, lockout races and lockouts by strangers (SQLite
 * and PostgreSQL), a refresh token used twice, 告知 notices at any time, a removed account's token,
 * and refusals audited without the URL they were for. Then, for every role, none of the routes
 * that grant anything raises its own rights.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../server/auth/auth-service.ts';
import type { Confidentiality, Device, Role } from '../../server/db/schema.ts';
import { type Core, openCore } from '../../server/core.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { publish } from '../helpers/publisher.ts';
import { entriesOf, recordingsOf } from '../helpers/recordings.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { configFrom, startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

const ROLES: Role[] = ['commander', 'reviewer', 'custodian', 'auditor', 'admin', 'party', 'agency_head', 'legal', 'security_officer'];
const ALL_CLEARANCES: Confidentiality[] = ['state_secret', 'trade_secret', 'privacy'];

let server: RunningServer;
let env: Record<string, string>;
let camera: Device;
let badgeNo = 0;
const nextBadge = (prefix: string) => `${prefix}-${++badgeNo}`;

beforeAll(async () => {
  env = await testEnv();
  server = await startTestServer(env);
  camera = (await server.core.devices.add({ kind: 'bodycam', officerBadge: 'F1', unit: 'u1' }, 'test')).device;
});
afterAll(async () => server?.stop());

async function call(who: { accessToken: string } | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${who.accessToken}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}
const replay = async (who: SignedIn, recordingId: string) => (await call(who, 'POST', '/api/playback-sessions', { recordingId })).status;
const user = async (role: Role, unit = 'u1', clearances: Confidentiality[] = []) => {
  const badge = nextBadge(role);
  return { ...(await signedInUser(server, role, unit, badge, { clearances })), badge };
};
const labelled = async (label: Confidentiality) => {
  const id = await sealedRecording(server, camera, new Date(Date.now() - 3_600_000 - ++badgeNo * 60_000));
  await server.core.db.updateTable('recordings').set({ confidentiality: label }).where('id', '=', id).execute();
  return id;
};
async function refusedAudits(action: string) {
  await server.core.audit.flush();
  return (await server.core.audit.query({ action })).filter((e) => e.outcome === 'refused').map((e) => JSON.parse(e.detail) as Record<string, unknown>);
}

describe('1. labels', () => {
  it('are changed or cleared only with the clearance of the label taken off and of the one put on', async () => {
    const id = await labelled('privacy');
    const uncleared = await user('custodian');
    const label = (who: SignedIn, to: Confidentiality | null) => call(who, 'PUT', `/api/recordings/${id}/confidentiality`, { label: to });

    expect(await label(uncleared, null)).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect(await label(uncleared, 'trade_secret')).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect(await replay(uncleared, id)).toBe(403);
    const cleared = await user('custodian', 'u1', ['privacy']);
    // Cleared for what is on it, not for what would be put on.
    expect(await label(cleared, 'state_secret')).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect((await server.core.db.selectFrom('recordings').select('confidentiality').where('id', '=', id).executeTakeFirstOrThrow()).confidentiality).toBe('privacy');
    expect((await refusedAudits('recording.label')).map((d) => d.reason)).toEqual(['no privacy clearance', 'no privacy clearance', 'no state_secret clearance']);

    expect((await label(cleared, null)).status).toBe(204);
    expect(await replay(uncleared, id)).toBe(201);
  });

  it('are not got round by sharing: a custodian shares only what they are cleared for', async () => {
    const id = await labelled('trade_secret');
    const reviewer = await user('reviewer', 'u1', ['trade_secret']);
    const share = (who: SignedIn) => call(who, 'POST', `/api/recordings/${id}/shares`, { userId: reviewer.userId });
    expect(await share(await user('custodian'))).toEqual({ status: 403, body: { error: 'forbidden' } });
    expect(await replay(reviewer, id)).toBe(403);
    expect((await share(await user('custodian', 'u1', ['trade_secret']))).status).toBe(204);
    expect(await replay(reviewer, id)).toBe(201);
  });
});

describe('2. the admin', () => {
  it('cannot give a media account or clearances alone: the account waits for a security officer and cannot sign in; the operator’s `liuhen user add` bootstraps', async () => {
    const admin = await user('admin');
    const proposals = [];
    for (const role of ['custodian', 'commander', 'reviewer', 'party', 'agency_head', 'legal'] as const) {
      const badge = nextBadge('self');
      const clearances = role === 'custodian' ? ALL_CLEARANCES : role === 'legal' ? ['privacy'] : [];
      const made = await call(admin, 'POST', '/api/users', { role, unit: 'u1', name: '自建账号', badge, clearances });
      expect(made).toMatchObject({ status: 201, body: { user: { state: 'awaiting_approval' }, grant: { kind: 'create', role, clearances, state: 'proposed' } } });
      expect(await call(null, 'POST', '/api/auth/sign-in', { badge, password: made.body.password })).toMatchObject({ status: 401, body: { error: 'awaiting_approval' } });
      // … and the admin cannot approve it.
      expect(await call(admin, 'POST', `/api/grants/${made.body.grant.id}/approve`)).toEqual({ status: 403, body: { error: 'forbidden' } });
      proposals.push(made.body.grant.id);
    }
    // No password of the admin's choosing either.
    expect((await call(admin, 'POST', '/api/users', { role: 'custodian', unit: 'u1', name: '自建账号', badge: nextBadge('self'), password: PASSWORD })).status).toBe(400);
    await server.core.audit.flush();
    expect((await server.core.audit.query({ action: 'grant.propose', actor: `user:${admin.userId}` })).map((e) => e.object)).toEqual(proposals);

    // What sees no media, the admin still creates alone.
    expect(await call(admin, 'POST', '/api/users', { role: 'legal', unit: 'u1', name: '法制', badge: nextBadge('legal') })).toMatchObject({
      status: 201,
      body: { user: { state: 'active' }, grant: null },
    });
    const cli = await runCli(['user', 'add', '--role', 'custodian', '--unit', 'u1', '--name', '保管员', '--badge', nextBadge('cli'), '--clearance', 'privacy'], env);
    expect(cli.code, cli.stderr).toBe(0);
  });
});

describe('3. case membership', () => {
  it('as an officer opens no replay, and only the unit’s own officers become one', async () => {
    const commander = await user('commander');
    const reviewer = await user('reviewer');
    const id = await sealedRecording(server, camera, new Date(Date.now() - 7_200_000));
    const { id: caseId } = (await call(commander, 'POST', '/api/cases', { caseNo: nextBadge('INS'), unit: 'u1', title: '内部人员' })).body;
    const { id: actionId } = (await call(commander, 'POST', `/api/cases/${caseId}/actions`, { kind: 'inspection', stage: 'investigation', at: new Date(Date.now() - 7_000_000).toISOString() })).body;
    expect((await call(commander, 'POST', `/api/cases/${caseId}/actions/${actionId}/links`, { recordingId: id })).status).toBe(201);
    const member = (badge: string) => call(commander, 'POST', `/api/cases/${caseId}/members`, { badge, role: 'officer' });

    // A reviewer of the unit may be on the case as an officer, but replays nothing by it.
    expect((await member(reviewer.badge)).status).toBe(201);
    expect(await replay(reviewer, id)).toBe(403);
    const listed = (await call(reviewer, 'GET', '/api/recordings')).body.recordings.map((r: { id: string }) => r.id);
    expect(listed).not.toContain(id);

    // Not another unit's people, not a badge nobody holds, not a party.
    const strangers = [(await user('commander', 'u2')).badge, (await user('reviewer', 'u2')).badge, (await user('party')).badge, 'NOBODY-1'];
    for (const badge of strangers) expect(await member(badge)).toEqual({ status: 400, body: { error: 'not_an_officer' } });
    // The officer wearing the unit's camera, with no account, may.
    expect((await member('F1')).status).toBe(201);
  });
});

describe('5. a refresh token used twice', () => {
  it('revokes its whole session: the thief’s tokens and the owner’s, audited', async () => {
    const owner = await user('auditor');
    const refresh = (refreshToken: string) => call(null, 'POST', '/api/auth/refresh', { refreshToken });
    const thief = await refresh(owner.refreshToken);
    expect(thief.status).toBe(200);
    expect(await refresh(owner.refreshToken)).toEqual({ status: 401, body: { error: 'unauthenticated' } });
    expect((await refresh(thief.body.refreshToken)).status).toBe(401);
    expect((await call({ accessToken: thief.body.accessToken }, 'GET', '/api/me')).status).toBe(401);
    expect((await call(owner, 'GET', '/api/me')).status).toBe(401);
    expect(await refusedAudits('auth.refresh')).toContainEqual(expect.objectContaining({ reason: 'refresh_token_reused' }));
  });
});

describe('6. 告知 notices', () => {
  it('are sealed only at a time within the open recording, give or take the device’s drift', async () => {
    const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'N1', unit: 'u1' }, 'test');
    const commander = await user('commander');
    const asDevice = (at?: string) =>
      fetch(`http://127.0.0.1:${server.httpPort}/api/device/notice`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Device ${device.id}:${credential}` },
        body: JSON.stringify(at ? { at } : {}),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const live = publish(server.publishUrl(device.id, credential), 8);
    const rec = await waitFor('a sealed segment', async () => (await recordingsOf(server.core.db, device.id)).find((r) => r.segment_count > 0));

    const outside = { status: 409, body: { error: 'notice_outside_recording' } };
    expect(await asDevice('2000-01-01T00:00:00Z')).toEqual(outside);
    expect(await asDevice('2099-01-01T00:00:00Z')).toEqual(outside);
    expect(await asDevice(new Date(Date.parse(rec.started_at) - 3_600_000).toISOString())).toEqual(outside);
    expect(await call(commander, 'POST', `/api/devices/${device.id}/notice`, { at: '2099-01-01T00:00:00Z' })).toEqual(outside);
    expect((await asDevice(new Date().toISOString())).status).toBe(201);
    expect(await live.exited).toBe(0);

    const notices = (await entriesOf(server.core.db, rec.id)).filter((e) => e.kind === 'notice');
    expect(notices).toHaveLength(1);
    expect((await refusedAudits('recording.notice')).map((d) => d.reason)).toEqual(Array(4).fill('notice_outside_recording'));
  }, 60_000);
});

describe('7. identity and the audit of refusals', () => {
  it('answers 401 to the token of an account that is gone', async () => {
    const gone = await user('commander');
    await sql`PRAGMA foreign_keys = OFF`.execute(server.core.db);
    try {
      await server.core.db.deleteFrom('users').where('id', '=', gone.userId).execute();
    } finally {
      await sql`PRAGMA foreign_keys = ON`.execute(server.core.db);
    }
    expect(await call(gone, 'GET', '/api/recordings')).toEqual({ status: 401, body: { error: 'unauthenticated' } });
    expect((await call(null, 'POST', '/api/auth/refresh', { refreshToken: gone.refreshToken })).status).toBe(401);
  });

  it('ends what a viewer was watching when they sign out: the playback session needs a signed-in viewer', async () => {
    const custodian = await user('custodian');
    const recordingId = await sealedRecording(server, camera, new Date(Date.now() - 7_200_000));
    const opened = await call(custodian, 'POST', '/api/playback-sessions', { recordingId });
    expect(opened.status).toBe(201);
    const playlist = () => fetch(`http://127.0.0.1:${server.httpPort}${opened.body.playlistUrl}`).then((r) => r.status);
    expect(await playlist()).toBe(200);
    expect((await call(custodian, 'POST', '/api/auth/sign-out', { refreshToken: custodian.refreshToken })).status).toBe(204);
    // Admissions are trusted for a second, then checked again.
    await waitFor('the playlist refused after sign-out', async () => (await playlist()) === 401, 5_000);
    await server.core.audit.flush();
    const refused = (await server.core.audit.query({ subject: recordingId })).filter((e) => e.outcome === 'refused');
    expect(refused.map((e) => JSON.parse(e.detail).reason)).toContain('signed_out');
  });

  it('audits a refused request with its whole URL, secrets in the query blanked', async () => {
    const custodian = await user('custodian');
    expect((await call(custodian, 'GET', '/api/recordings/rec-doesnotexist?from=list')).status).toBe(404);
    expect((await call(custodian, 'GET', '/api/exports/exp-doesnotexist?sig=SECRETSIG&x=1')).status).toBe(404);
    await server.core.audit.flush();
    const subjects = (await server.core.audit.query({ action: 'http.request' })).filter((e) => e.actor === `user:${custodian.userId}`).map((e) => e.subject);
    expect(subjects).toEqual(['GET /api/recordings/rec-doesnotexist?from=list', 'GET /api/exports/exp-doesnotexist?sig=…&x=1']);
  });
});

describe('no role raises its own rights', () => {
  /** who sets the stage for each role: one each, since what they do is the same for every role */
  let stageCustodian: SignedIn;
  let otherAdmin: SignedIn;
  beforeAll(async () => {
    [stageCustodian, otherAdmin] = await Promise.all([user('custodian'), user('admin')]);
  });

  it.each(ROLES)('%s: by users, grants, labels, shares, cases or devices', async (role) => {
    const me = await user(role);
    const secret = await labelled('state_secret');
    const { id: caseId } = (await call(stageCustodian, 'POST', '/api/cases', { caseNo: nextBadge('SELF'), unit: 'u1', title: '自我授权' })).body;
    // Another admin proposes media for this account: whoever it is, it cannot approve that itself.
    const proposal = await call(otherAdmin, 'POST', `/api/users/${me.userId}/grants`, { role: 'custodian', clearances: ALL_CLEARANCES });
    expect(proposal.status).toBe(202);
    const altBadge = nextBadge('alt');
    const attempts = [
      call(me, 'POST', '/api/users', { role: 'custodian', unit: 'u1', name: '第二身份', badge: altBadge, clearances: ALL_CLEARANCES }),
      call(me, 'PUT', `/api/recordings/${secret}/confidentiality`, { label: null }),
      call(me, 'POST', `/api/recordings/${secret}/shares`, { userId: me.userId }),
      call(me, 'POST', `/api/cases/${caseId}/members`, { badge: me.badge, role: 'reviewer' }),
      call(me, 'PATCH', `/api/devices/${camera.id}`, { officerBadge: me.badge }),
      call(me, 'POST', `/api/users/${me.userId}/grants`, { role: 'custodian', clearances: ALL_CLEARANCES }),
      call(me, 'POST', `/api/grants/${proposal.body.grant.id}/approve`),
      call(me, 'POST', `/api/users/${me.userId}/enable`),
    ];
    const answers = await Promise.all(attempts);
    const statuses = answers.map((r) => r.status);
    // The admin's second identity is only a proposal: it cannot sign in, let alone replay.
    expect(statuses[0]).toBe(role === 'admin' ? 201 : 403);
    if (role === 'admin') expect((await call(null, 'POST', '/api/auth/sign-in', { badge: altBadge, password: answers[0]!.body.password })).status).toBe(401);
    expect(statuses.slice(5)).toEqual([403, 403, 403]);
    expect(statuses[1]).toBe(403);
    // Sharing a label one is not cleared for is refused by the policy, the custodian too.
    expect(statuses[2]).toBe(403);
    expect(statuses[3]).toBe(role === 'custodian' ? 400 : 403);
    expect(statuses[4]).toBe(role === 'admin' ? 200 : 403);
    expect(await replay(me, secret)).toBe(403);
    const fresh = await call(null, 'POST', '/api/auth/sign-in', { badge: me.badge, password: PASSWORD });
    expect(await replay({ ...me, accessToken: fresh.body.accessToken }, secret)).toBe(403);
  });
});

describe.each(['sqlite', 'postgres'] as const)('4. wrong passwords on %s', (dialect) => {
  let core: Core;
  let auth: AuthService;
  beforeAll(async () => {
    core = await openCore(configFrom(await testEnv(dialect === 'postgres' ? { LIUHEN_DATABASE_URL: await freshPostgresDatabase() } : {})));
    auth = new AuthService(core.repos, core.users, core.audit, Buffer.alloc(32, 7));
  });
  afterAll(async () => core?.close());

  const officer = async () => {
    const badge = nextBadge('officer');
    const { user: u } = await core.users.add({ role: 'commander', unit: 'u1', name: '民警', badge, password: PASSWORD }, 'test');
    return { id: u.id, badge };
  };
  /** The answer a sign-in gets: 'ok', or the error's code. */
  const attempt = (badge: string, password: string, address: string) =>
    auth.signIn(badge, password, { address, userAgent: null }).then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );
  const failures = async (id: string) => (await core.db.selectFrom('users').select('failed_attempts').where('id', '=', id).executeTakeFirstOrThrow()).failed_attempts;

  it('counts every one of parallel attempts', async () => {
    const o = await officer();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt(o.badge, 'wrong password!', `10.0.0.${i}`)));
    expect(answers).toEqual(Array(8).fill('bad_credentials'));
    expect(await failures(o.id)).toBe(8);
  });

  it('lets a stranger lock only their own address out, never the officer', async () => {
    const o = await officer();
    const stranger = [];
    for (let i = 0; i < 8; i++) stranger.push(await attempt(o.badge, 'wrong password!', '192.0.2.66'));
    expect(stranger).toEqual([...Array(5).fill('bad_credentials'), 'locked', 'locked', 'locked']);
    expect(await attempt(o.badge, PASSWORD, '192.0.2.66')).toBe('locked');
    expect(await attempt(o.badge, PASSWORD, '10.1.1.1')).toBe('ok');
    expect(await failures(o.id)).toBe(0);
  });

  it('answers for a badge nobody has exactly as for one that exists', async () => {
    // Five from one place, then one from each of seven others: the place locks, then the badge slows down.
    const sequence = async (badge: string) => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await attempt(badge, 'wrong password!', '198.51.100.1'));
      for (let i = 0; i < 7; i++) answers.push(await attempt(badge, 'wrong password!', `198.51.100.${10 + i}`));
      return answers;
    };
    const known = await sequence((await officer()).badge);
    expect(known).toEqual([...Array(5).fill('bad_credentials'), 'locked', ...Array(5).fill('bad_credentials'), 'rate_limited', 'rate_limited']);
    expect(await sequence(nextBadge('nobody'))).toEqual(known);
  });
});
