/**
 * The authorization matrix: every HTTP route × every role, then every route against a missing,
 * expired, forged and `alg: none` token, and the playback URLs against replay from another
 * session, an expired signature and paths with `..`. Nobody not allowed gets a media byte, and
 * every refusal is in the audit log.
 */
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { Accounts } from '../../server/auth/accounts.ts';
import { UrlSigner } from '../../server/playback/url-signer.ts';
import { looksLikeMedia, rawRequest, type RawResponse } from '../helpers/http.ts';
import { deriveMarked, recordClosed, workerDeps } from '../helpers/party-flow.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';

const ROLES: Role[] = ['commander', 'reviewer', 'custodian', 'auditor', 'admin', 'party', 'agency_head', 'legal', 'security_officer'];

let server: RunningServer;
let recordingId: string;
let deviceId: string;
const users = new Map<Role, SignedIn>();
let spareReviewer: SignedIn;
let caseId: string;
let badgeNo = 0;
/** accounts the account routes act on, and grants for the security officer to decide */
let account: string;
let disabledAccount: string;
let grantToApprove: string;
let grantToReject: string;

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  // Evidence to be refused, not ingest under test: sealed from a prepared clip.
  const recording = await recordClosed(server, 'u1', 'F1', 4);
  [deviceId, recordingId] = [recording.device_id, recording.id];
  // A replay serves marked variants only: made here as the workers would.
  await deriveMarked(workerDeps(server), recordingId);
  for (const role of ROLES) users.set(role, await signedInUser(server, role, 'u1', `${role}-1`));
  spareReviewer = await signedInUser(server, 'reviewer', 'u1', 'reviewer-2');
  const created = await rawRequest(server.httpPort, 'POST', '/api/cases', {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${users.get('custodian')!.accessToken}` },
    body: JSON.stringify({ caseNo: 'AUTHZ-1', unit: 'u1', title: '权限矩阵' }),
  });
  expect(created.status).toBe(201);
  caseId = (JSON.parse(created.body.toString()) as { id: string }).id;
  const accounts = new Accounts(server.core.repos, server.core.audit, server.core.users);
  account = (await accounts.create({ role: 'legal', unit: 'u1', name: '被管理', badge: 'acct-1' }, 'test')).user.id;
  disabledAccount = (await accounts.create({ role: 'legal', unit: 'u1', name: '已停用', badge: 'acct-2' }, 'test')).user.id;
  await accounts.disable(disabledAccount, '测试', 'test');
  grantToApprove = (await accounts.create({ role: 'reviewer', unit: 'u1', name: '待批', badge: 'acct-3' }, 'test')).grant!.id;
  grantToReject = (await accounts.create({ role: 'reviewer', unit: 'u1', name: '待驳', badge: 'acct-4' }, 'test')).grant!.id;
});
afterAll(async () => server?.stop());

interface Route {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  allowed: Role[];
}

const ROUTES: Route[] = [
  { name: 'me', method: 'GET', path: () => '/api/me', allowed: ROLES },
  { name: 'live feeds', method: 'GET', path: () => '/api/live', allowed: ['commander'] },
  { name: 'recording list', method: 'GET', path: () => '/api/recordings', allowed: ROLES },
  { name: 'recording', method: 'GET', path: () => `/api/recordings/${recordingId}`, allowed: ['commander', 'custodian'] },
  { name: 'verification', method: 'GET', path: () => `/api/recordings/${recordingId}/verification`, allowed: ['commander', 'custodian'] },
  { name: 'share', method: 'POST', path: () => `/api/recordings/${recordingId}/shares`, body: () => ({ userId: spareReviewer.userId }), allowed: ['custodian'] },
  { name: 'label', method: 'PUT', path: () => `/api/recordings/${recordingId}/confidentiality`, body: () => ({ label: null }), allowed: ['custodian'] },
  // Retention (issue 17): a custodian of the unit reads it and holds; analytics readers read the report.
  { name: 'retention', method: 'GET', path: () => `/api/recordings/${recordingId}/retention`, allowed: ['custodian'] },
  { name: 'legal hold', method: 'POST', path: () => `/api/recordings/${recordingId}/hold`, body: () => ({ reason: '矩阵' }), allowed: ['custodian'] },
  { name: 'legal hold lifted', method: 'POST', path: () => `/api/recordings/${recordingId}/release`, body: () => ({ reason: '矩阵' }), allowed: ['custodian'] },
  { name: 'retention report', method: 'GET', path: () => '/api/retention/report', allowed: ['auditor', 'agency_head', 'legal'] },
  { name: 'replay session', method: 'POST', path: () => '/api/playback-sessions', body: () => ({ recordingId }), allowed: ['commander', 'custodian'] },
  { name: 'live session', method: 'POST', path: () => '/api/playback-sessions', body: () => ({ deviceId }), allowed: ['commander'] },
  { name: 'audit log', method: 'GET', path: () => '/api/audit', allowed: ['auditor'] },
  { name: 'job list', method: 'GET', path: () => `/api/jobs?subject=${recordingId}`, allowed: ['commander', 'custodian', 'auditor'] },
  // Accounts (三员分立): the admin manages them, the security officer decides grants, the auditor reads.
  { name: 'user list', method: 'GET', path: () => '/api/users', allowed: ['admin', 'security_officer', 'auditor'] },
  { name: 'user add', method: 'POST', path: () => '/api/users', body: () => ({ role: 'legal', unit: 'u1', name: '新用户', badge: `new-${++badgeNo}` }), allowed: ['admin'] },
  // Media, or a clearance, is the admin's proposal only: the account awaits a security officer (test/medium/accounts.test.ts).
  { name: 'user add with a media role', method: 'POST', path: () => '/api/users', body: () => ({ role: 'reviewer', unit: 'u1', name: '新用户', badge: `new-${++badgeNo}` }), allowed: ['admin'] },
  {
    name: 'user add with a clearance',
    method: 'POST',
    path: () => '/api/users',
    body: () => ({ role: 'legal', unit: 'u1', name: '新用户', badge: `new-${++badgeNo}`, clearances: ['privacy'] }),
    allowed: ['admin'],
  },
  { name: 'user grants', method: 'POST', path: () => `/api/users/${account}/grants`, body: () => ({ clearances: [] }), allowed: ['admin'] },
  { name: 'user reset', method: 'POST', path: () => `/api/users/${account}/reset`, body: () => ({}), allowed: ['admin'] },
  { name: 'user disable', method: 'POST', path: () => `/api/users/${account}/disable`, body: () => ({ reason: '矩阵' }), allowed: ['admin'] },
  { name: 'user enable', method: 'POST', path: () => `/api/users/${disabledAccount}/enable`, body: () => ({}), allowed: ['admin'] },
  { name: 'user history', method: 'GET', path: () => `/api/users/${account}/history`, allowed: ['admin', 'security_officer', 'auditor'] },
  { name: 'grant list', method: 'GET', path: () => '/api/grants?state=proposed', allowed: ['admin', 'security_officer', 'auditor'] },
  { name: 'grant approve', method: 'POST', path: () => `/api/grants/${grantToApprove}/approve`, body: () => ({}), allowed: ['security_officer'] },
  { name: 'grant reject', method: 'POST', path: () => `/api/grants/${grantToReject}/reject`, body: () => ({ reason: '矩阵' }), allowed: ['security_officer'] },
  { name: 'device list', method: 'GET', path: () => '/api/devices', allowed: ['admin', 'custodian', 'commander'] },
  { name: 'device assign', method: 'PATCH', path: () => `/api/devices/${deviceId}`, body: () => ({ officerBadge: `A${++badgeNo}` }), allowed: ['admin'] },
  { name: 'device add', method: 'POST', path: () => '/api/devices', body: () => ({ kind: 'bodycam', officerBadge: `D${++badgeNo}`, unit: 'u1' }), allowed: ['admin'] },
  // Cases: kept by the unit's commanders and custodians, read by its head, legal and every auditor;
  // a reviewer only through membership (this one is on no case).
  { name: 'case create', method: 'POST', path: () => '/api/cases', body: () => ({ caseNo: `AUTHZ-${++badgeNo}`, unit: 'u1', title: '新案卷' }), allowed: ['commander', 'custodian'] },
  { name: 'case', method: 'GET', path: () => `/api/cases/${caseId}`, allowed: ['commander', 'custodian', 'auditor', 'agency_head', 'legal'] },
  { name: 'case check', method: 'GET', path: () => `/api/cases/${caseId}/check`, allowed: ['commander', 'custodian', 'auditor', 'agency_head', 'legal'] },
  {
    name: 'case action',
    method: 'POST',
    path: () => `/api/cases/${caseId}/actions`,
    body: () => ({ kind: 'inquiry', stage: 'investigation', at: new Date().toISOString() }),
    allowed: ['commander', 'custodian'],
  },
  { name: 'case annotation', method: 'POST', path: () => `/api/cases/${caseId}/annotations`, body: () => ({ text: '备注' }), allowed: ['commander', 'custodian', 'agency_head', 'legal'] },
  { name: 'redaction list', method: 'GET', path: () => `/api/recordings/${recordingId}/redactions`, allowed: ['custodian', 'agency_head'] },
  { name: 'party request', method: 'POST', path: () => '/api/party-requests', body: () => ({ kind: 'view', recordingIds: [recordingId], reason: '核对执法过程' }), allowed: ['party'] },
  { name: 'viewing rooms', method: 'GET', path: () => '/api/rooms', allowed: ['custodian'] },
  { name: 'analytics', method: 'GET', path: () => '/api/analytics?groupBy=unit', allowed: ['auditor', 'agency_head', 'legal'] },
  { name: 'analytics CSV', method: 'GET', path: () => '/api/analytics.csv?groupBy=officer', allowed: ['auditor', 'agency_head', 'legal'] },
];

function call(route: Route, token?: string): Promise<RawResponse> {
  const body = route.body ? JSON.stringify(route.body()) : undefined;
  const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
  if (token) headers.authorization = `Bearer ${token}`;
  return rawRequest(server.httpPort, route.method, route.path(), { headers, body });
}

async function refusals(): Promise<number> {
  return (await server.core.audit.query()).filter((e) => e.outcome === 'refused').length;
}

/** Runs `request`, expects `status`, no media in the answer, and (when refused) one more refusal in the audit log. */
async function expectRefused(request: () => Promise<RawResponse>, status: number | 'client error'): Promise<RawResponse> {
  const before = await refusals();
  const res = await request();
  if (status === 'client error') expect(res.status >= 400 && res.status < 500, `status ${res.status}`).toBe(true);
  else expect(res.status).toBe(status);
  expect(looksLikeMedia(res.body)).toBe(false);
  await server.core.audit.flush();
  expect(await refusals()).toBeGreaterThan(before);
  return res;
}

describe('every route × every role', () => {
  const cases = ROUTES.flatMap((route) => ROLES.map((role) => ({ route, role, allowed: route.allowed.includes(role) })));
  it.each(cases)('$route.name as $role → allowed: $allowed', async ({ route, role, allowed }) => {
    const token = users.get(role)!.accessToken;
    if (!allowed) {
      const res = await expectRefused(() => call(route, token), 403);
      expect(JSON.parse(res.body.toString())).toEqual({ error: 'forbidden' });
      return;
    }
    const res = await call(route, token);
    expect([200, 201, 204]).toContain(res.status);
    if (route.name === 'recording list') {
      const ids = (JSON.parse(res.body.toString()) as { recordings: { id: string }[] }).recordings.map((r) => r.id);
      expect(ids.includes(recordingId)).toBe(role === 'commander' || role === 'custodian');
    }
  });
});

describe('every route against bad tokens', () => {
  const key = () => server.core.keys.key('jwt-hs256');
  const claims = () => ({ sub: users.get('admin')!.userId, sid: 'as-whatever' });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const tokens: Record<string, () => string | undefined> = {
    'no token': () => undefined,
    'an expired token': () => {
      const payload = jwt.decode(users.get('admin')!.accessToken) as Record<string, unknown>;
      return jwt.sign({ ...payload, iat: 1_000_000_000, exp: 1_000_000_600 }, key(), { algorithm: 'HS256' });
    },
    'a forged signature': () => jwt.sign(claims(), randomBytes(32), { algorithm: 'HS256', issuer: 'liuhen', audience: 'liuhen-api', expiresIn: 600 }),
    'alg: none': () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...(jwt.decode(users.get('admin')!.accessToken) as object) })}.`,
    'a token with its payload swapped': () => {
      const [h, , s] = users.get('commander')!.accessToken.split('.');
      const [, p] = users.get('admin')!.accessToken.split('.');
      return `${h}.${p}.${s}`;
    },
  };
  const cases = Object.keys(tokens).flatMap((kind) => ROUTES.map((route) => ({ kind, route })));
  it.each(cases)('$route.name with $kind → 401', async ({ kind, route }) => {
    const res = await expectRefused(() => call(route, tokens[kind]!()), 401);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'unauthenticated' });
  });
});

describe('playback URLs', () => {
  async function session(role: Role, body: unknown) {
    const res = await rawRequest(server.httpPort, 'POST', '/api/playback-sessions', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${users.get(role)!.accessToken}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return JSON.parse(res.body.toString()) as { sessionId: string; playlistUrl: string };
  }
  const segmentPaths = async (playlistUrl: string) => {
    const res = await rawRequest(server.httpPort, 'GET', playlistUrl);
    expect(res.status).toBe(200);
    const base = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
    return res.body
      .toString()
      .split('\n')
      .filter((l) => l.includes('.ts?'))
      .map((l) => base + l);
  };

  it('serve media to the session they were signed for', async () => {
    const s = await session('commander', { recordingId });
    const [first] = await segmentPaths(s.playlistUrl);
    const res = await rawRequest(server.httpPort, 'GET', first!);
    expect(res.status).toBe(200);
    expect(looksLikeMedia(res.body)).toBe(true);
  });

  it('refuse another session’s segment URL, a tampered signature and an unknown session', async () => {
    const mine = await session('commander', { recordingId });
    const theirs = await session('custodian', { recordingId });
    const [theirSegment] = await segmentPaths(theirs.playlistUrl);
    const replayed = theirSegment!.replace(theirs.sessionId, mine.sessionId);
    await expectRefused(() => rawRequest(server.httpPort, 'GET', replayed), 401);
    await expectRefused(() => rawRequest(server.httpPort, 'GET', theirSegment!.replace(/sig=.{4}/, 'sig=AAAA')), 401);
    await expectRefused(() => rawRequest(server.httpPort, 'GET', theirSegment!.replace(/\/\d+\.ts/, '/2.ts')), 401);
    await expectRefused(() => rawRequest(server.httpPort, 'GET', theirs.playlistUrl.replace(theirs.sessionId, 'ps-doesnotexist')), 401);
  });

  it('refuse an expired segment signature', async () => {
    const s = await session('commander', { recordingId });
    const lastHour = new UrlSigner(server.core.keys.key('segment-url-hmac'), { now: () => new Date(Date.now() - 3_600_000) });
    const path = `/play/${s.sessionId}/${recordingId}/1.ts?${lastHour.query(s.sessionId, `${recordingId}/1`, new Date(Date.now() + 3_600_000))}`;
    const res = await expectRefused(() => rawRequest(server.httpPort, 'GET', path), 401);
    expect(res.body.toString()).toContain('unauthenticated');
    const events = await server.core.audit.query({ action: 'playback.segment' });
    expect(JSON.parse(events.at(-1)!.detail)).toEqual({ reason: 'signature_expired' });
  });

  it('refuse paths with .. and never answer with a stored byte or a key', async () => {
    const s = await session('commander', { recordingId });
    const secret = server.core.keys.key('jwt-hs256');
    for (const path of [
      `/play/${s.sessionId}/../../keys/server-secret`,
      `/play/${s.sessionId}/..%2f..%2fevidence%2frecordings/${recordingId}/1.ts`,
      `/play/../${s.sessionId}/${recordingId}/1.ts`,
      '/../../../etc/passwd',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      `/play/${s.sessionId}/${recordingId}/..%2f1.ts`,
    ]) {
      const res = await expectRefused(() => rawRequest(server.httpPort, 'GET', path), 'client error');
      expect(res.body.includes(secret)).toBe(false);
      expect(res.body.toString()).not.toContain('"dependencies"');
    }
  });

  it('a confidential recording needs the clearance; a share opens it to a reviewer', async () => {
    const custodian = await signedInUser(server, 'custodian', 'u1', 'custodian-cleared', { clearances: ['privacy'] });
    const label = (value: string | null) =>
      rawRequest(server.httpPort, 'PUT', `/api/recordings/${recordingId}/confidentiality`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${custodian.accessToken}` },
        body: JSON.stringify({ label: value }),
      });
    expect((await label('privacy')).status).toBe(204);
    try {
      const asCommander = () =>
        rawRequest(server.httpPort, 'POST', '/api/playback-sessions', {
          headers: { 'content-type': 'application/json', authorization: `Bearer ${users.get('commander')!.accessToken}` },
          body: JSON.stringify({ recordingId }),
        });
      await expectRefused(asCommander, 403);
      const cleared = await signedInUser(server, 'commander', 'u1', 'commander-cleared', { clearances: ['privacy'] });
      const ok = await rawRequest(server.httpPort, 'POST', '/api/playback-sessions', {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cleared.accessToken}` },
        body: JSON.stringify({ recordingId }),
      });
      expect(ok.status).toBe(201);
    } finally {
      expect((await label(null)).status).toBe(204);
    }
    // The share made in the matrix above lets the second reviewer replay.
    const shared = await rawRequest(server.httpPort, 'POST', '/api/playback-sessions', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${spareReviewer.accessToken}` },
      body: JSON.stringify({ recordingId }),
    });
    expect(shared.status).toBe(201);
  });
});

describe('sign-in', () => {
  const signIn = (badge: string, password: string) =>
    rawRequest(server.httpPort, 'POST', '/api/auth/sign-in', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ badge, password }) });

  it('locks an account after five wrong passwords, even against the right one', async () => {
    await server.core.users.add({ role: 'reviewer', unit: 'u1', name: '锁定', badge: 'lock-me', password: PASSWORD }, 'test');
    for (let i = 0; i < 5; i++) await expectRefused(() => signIn('lock-me', 'wrong password!'), 401);
    const locked = await expectRefused(() => signIn('lock-me', PASSWORD), 423);
    expect(JSON.parse(locked.body.toString())).toMatchObject({ error: 'locked', retryAfterSeconds: expect.any(Number) });
    await expectRefused(() => signIn('nobody-here', PASSWORD), 401);
  });

  it('spends a refresh token on use, and signing out stops the access token at once', async () => {
    const u = await signedInUser(server, 'auditor', 'u1', 'auditor-2');
    const refresh = (token: string) => rawRequest(server.httpPort, 'POST', '/api/auth/refresh', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: token }) });
    const first = await refresh(u.refreshToken);
    expect(first.status).toBe(200);
    const next = JSON.parse(first.body.toString()) as { accessToken: string; refreshToken: string };
    const me = () => rawRequest(server.httpPort, 'GET', '/api/me', { headers: { authorization: `Bearer ${next.accessToken}` } });
    expect((await me()).status).toBe(200);
    // Used again, a spent token ends its whole session (test/medium/insiders.test.ts): a new session for the sign-out.
    await expectRefused(() => refresh(u.refreshToken), 401);
    await expectRefused(me, 401);
    const again = await signedInUser(server, 'auditor', 'u1', 'auditor-3');
    const out = await rawRequest(server.httpPort, 'POST', '/api/auth/sign-out', { headers: { authorization: `Bearer ${again.accessToken}` } });
    expect(out.status).toBe(204);
    await expectRefused(() => rawRequest(server.httpPort, 'GET', '/api/me', { headers: { authorization: `Bearer ${again.accessToken}` } }), 401);
  });

  it('refuses an oversize body with 413 and stays up', async () => {
    const res = await expectRefused(() => signIn('x'.repeat(40_000), 'y'), 413);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'too_large' });
    expect((await rawRequest(server.httpPort, 'GET', '/healthz')).status).toBe(200);
  });
});
