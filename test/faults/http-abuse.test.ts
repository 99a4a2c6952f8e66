/**
 * The HTTP face under abuse and outage: a stranger flooding refused requests is limited (429) and
 * cannot write audit rows at will, yet every refusal is counted; bad UTF-8 is refused, not stored
 * as U+FFFD; /readyz names the part that is down while /healthz (liveness) stays 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import type { Readiness } from '../../server/observability/readiness.ts';
import { rawRequest, type RawResponse } from '../helpers/http.ts';
import { privateRedis } from '../helpers/redis.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

const LIMIT = 50;
const WINDOW_MS = 8000;
const FLOOD = 300;

async function auditRows(server: RunningServer): Promise<number> {
  const { n } = await server.core.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

async function readyz(server: RunningServer): Promise<{ status: number; body: Readiness }> {
  const res = await rawRequest(server.httpPort, 'GET', '/readyz');
  return { status: res.status, body: JSON.parse(res.body.toString()) as Readiness };
}

const failing = (r: Readiness) =>
  Object.entries(r.checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name);

let server: RunningServer;
let custodian: SignedIn;

beforeAll(async () => {
  server = await startTestServer(await testEnv({ LIUHEN_REFUSALS_PER_MINUTE: String(LIMIT) }), undefined, { refusalWindowMs: WINDOW_MS });
  custodian = await signedInUser(server, 'custodian', 'u1', 'K-1');
});
afterAll(async () => server?.stop());

describe('a stranger flooding refused requests', () => {
  it('is answered 429 past the limit, adds one counted audit event per window instead of a row per request, and locks out nobody signed in', async () => {
    await server.core.users.add({ role: 'reviewer', unit: 'u1', name: '访客', badge: 'R-1', password: PASSWORD }, 'test');
    const before = await auditRows(server);
    const userAgent = `scanner/${'x'.repeat(2048)}`;
    const responses: RawResponse[] = [];
    for (let i = 0; i < FLOOD; i += 20) {
      const batch = Array.from({ length: Math.min(20, FLOOD - i) }, (_, j) =>
        rawRequest(server.httpPort, 'GET', `/api/recordings?probe=${i + j}`, { headers: { authorization: `Bearer not-a-token-${i + j}`, 'user-agent': userAgent } }),
      );
      responses.push(...(await Promise.all(batch)));
    }
    const limited = responses.filter((r) => r.status === 429);
    expect(responses.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    // All within one window unless the machine is very slow; then at most two windows' worth got through.
    expect(FLOOD - limited.length).toBeLessThanOrEqual(2 * LIMIT);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body.toString())).toMatchObject({ error: 'rate_limited' });
    }
    expect((await server.metrics.refusalsLimited.get()).values[0]?.value).toBe(limited.length);

    // While the address is limited, a caller who proves who they are still gets through; a sign-in does not.
    expect((await rawRequest(server.httpPort, 'GET', '/api/me', { headers: { authorization: `Bearer ${custodian.accessToken}` } })).status).toBe(200);
    const signIn = () => rawRequest(server.httpPort, 'POST', '/api/auth/sign-in', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ badge: 'R-1', password: PASSWORD }) });
    expect((await signIn()).status).toBe(429);
    expect(await auditRows(server)).toBeLessThanOrEqual(before + 1);

    const events = await waitFor(
      'the refusals to be reported when their window ends',
      async () => {
        const found = (await server.core.audit.query({ action: 'http.refused' })).filter((e) => e.address === '127.0.0.1');
        const counted = found.reduce((n, e) => n + (JSON.parse(e.detail) as { count: number }).count, 0);
        return counted === FLOOD + 1 ? found : undefined;
      },
      3 * WINDOW_MS,
    );
    expect(events.length).toBeLessThanOrEqual(2);
    const details = events.map((e) => JSON.parse(e.detail) as { limited: number; sample: Record<string, number> });
    expect(details.reduce((n, d) => n + d.limited, 0)).toBe(limited.length + 1);
    expect(Object.keys(details[0]!.sample).some((k) => k.startsWith('401 GET /api/recordings bad_token'))).toBe(true);
    for (const e of events) expect(e.user_agent!.length).toBeLessThanOrEqual(200);
    expect(await auditRows(server)).toBeLessThanOrEqual(before + 2);

    expect((await signIn()).status).toBe(200);
  });
});

describe('a JSON body', () => {
  const createCase = (body: Buffer<ArrayBuffer>) =>
    fetch(`http://127.0.0.1:${server.httpPort}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${custodian.accessToken}` }, body });
  const casesNamed = (caseNo: string) => server.core.db.selectFrom('cases').select('title').where('case_no', '=', caseNo).execute();

  it('with invalid UTF-8 is refused with 400 and nothing is stored', async () => {
    const bad = Buffer.concat([Buffer.from('{"caseNo":"UTF-1","unit":"u1","title":"现场'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const res = await createCase(bad);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_utf8' });
    expect(await casesNamed('UTF-1')).toEqual([]);
    // The same request in valid UTF-8 is taken, so the 400 above was the bytes.
    expect((await createCase(Buffer.from('{"caseNo":"UTF-1","unit":"u1","title":"现场"}'))).status).toBe(201);
    expect(await casesNamed('UTF-1')).toEqual([{ title: '现场' }]);
  });
});

describe('readiness', () => {
  it('is 200 with every part up', async () => {
    const { status, body } = await readyz(server);
    expect(failing(body)).toEqual([]);
    expect(status).toBe(200);
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'disk', 'ingest', 'redis', 'store']);
  });

  it('is 503 naming redis while Redis is away, 200 again when it is back; /healthz stays 200', async () => {
    const redis = await privateRedis();
    const queued = await startTestServer(await testEnv({ LIUHEN_REDIS_URL: redis.url }));
    try {
      expect((await readyz(queued)).status).toBe(200);
      await redis.stop();
      const away = await waitFor(
        '/readyz to notice Redis is away',
        async () => {
          const r = await readyz(queued);
          return r.status === 503 ? r : undefined;
        },
        20_000,
      );
      expect(failing(away.body)).toEqual(['redis']);
      expect(away.body.checks.redis.message).toContain(new URL(redis.url).port);
      expect((await rawRequest(queued.httpPort, 'GET', '/healthz')).status).toBe(200);
      await redis.start();
      await waitFor('/readyz to see Redis back', async () => (await readyz(queued)).status === 200, 20_000);
    } finally {
      await queued.stop();
      await redis.stop();
    }
  });

  it('is 503 naming disk when a volume is below the reserve, while /healthz stays 200', async () => {
    const full = await startTestServer(await testEnv({ LIUHEN_DISK_RESERVE_MB: '1000000000' }));
    try {
      const { status, body } = await readyz(full);
      expect(status).toBe(503);
      expect(failing(body)).toEqual(['disk']);
      expect(body.checks.disk.message).toMatch(/disk_reserve/);
      expect((await rawRequest(full.httpPort, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await full.stop();
    }
  });
});
