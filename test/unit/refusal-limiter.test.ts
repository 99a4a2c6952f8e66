import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditInput, AuditLog } from '../../server/audit/audit-log.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';
import { addressKey, type Refusal, RefusalLimiter } from '../../server/http/refusal-limiter.ts';
import { Metrics } from '../../server/observability/metrics.ts';

const WINDOW = 60_000;
const refusal = (over: Partial<Refusal> = {}): Refusal => ({ route: 'GET /api/me', status: 401, reason: 'bad_token', userAgent: 'curl/8', ...over });

/** The real log, telling how many events were asked of it. */
class CountingAuditLog extends AuditLog {
  asked = 0;
  override record(input: AuditInput) {
    this.asked++;
    return super.record(input);
  }
}

let db: Db;
let audit: CountingAuditLog;
let metrics: Metrics;
let clock: number;
let errors: unknown[];

function limiter(limit: number, maxAddresses?: number): RefusalLimiter {
  return new RefusalLimiter(audit, { limit, windowMs: WINDOW, maxAddresses }, (e) => errors.push(e), metrics, { now: () => new Date(clock) });
}

async function reported() {
  await audit.flush();
  return (await audit.query({ action: 'http.refused' })).map((e) => ({ ...e, detail: JSON.parse(e.detail) as Record<string, unknown> }));
}

async function limitedCount(): Promise<number> {
  return (await metrics.refusalsLimited.get()).values[0]?.value ?? 0;
}

beforeEach(async () => {
  db = await openDatabase(`sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-refusals-')), 'db.sqlite')}`);
  audit = new CountingAuditLog(repositoriesOf(db));
  metrics = new Metrics();
  clock = Date.parse('2025-03-01T08:00:00Z');
  errors = [];
});
afterEach(async () => {
  await db.destroy();
  expect(errors).toEqual([]);
});

describe('refusal limiter', () => {
  it('answers 429 past the limit until the window ends, then lets the address start again', async () => {
    const l = limiter(3);
    expect([1, 2, 3].map(() => l.refused('10.0.0.1', refusal()))).toEqual([0, 0, 0]);
    expect(l.retryAfter('10.0.0.1')).toBe(60);
    clock += 15_000;
    expect(l.refused('10.0.0.1', refusal())).toBe(45);
    expect(l.refused('10.0.0.1', refusal())).toBe(45);
    expect(l.retryAfter('10.0.0.2')).toBe(0);
    expect(await limitedCount()).toBe(2);
    clock += 45_000;
    expect(l.retryAfter('10.0.0.1')).toBe(0);
    expect(l.refused('10.0.0.1', refusal())).toBe(0);
  });

  it('writes nothing while a window is open and one event with the whole count when it ends', async () => {
    const l = limiter(3);
    for (let i = 0; i < 5; i++) l.refused('10.0.0.1', refusal({ userAgent: 'x'.repeat(2000) }));
    l.refused('10.0.0.1', refusal({ route: `GET /${'a'.repeat(5000)}`, status: 404, reason: 'not_found' }));
    l.sweep();
    expect(audit.asked).toBe(0);
    clock += WINDOW;
    l.sweep();
    const [event, ...more] = await reported();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ actor: 'anonymous', outcome: 'refused', address: '10.0.0.1', user_agent: 'x'.repeat(200) });
    expect(event!.detail).toMatchObject({ count: 6, limited: 3, first: '2025-03-01T08:00:00.000Z', last: '2025-03-01T08:00:00.000Z' });
    const sample = event!.detail.sample as Record<string, number>;
    expect(sample['401 GET /api/me bad_token']).toBe(5);
    expect(Object.keys(sample).every((k) => k.length <= 200 + 80)).toBe(true);
  });

  it('reports the count so far when the audit log is flushed, and keeps limiting', async () => {
    const l = limiter(2);
    l.refused('10.0.0.1', refusal());
    l.refused('10.0.0.1', refusal());
    expect((await reported()).map((e) => e.detail.count)).toEqual([2]);
    expect(l.refused('10.0.0.1', refusal())).toBeGreaterThan(0);
    l.stop();
    expect((await reported()).map((e) => e.detail.count)).toEqual([2, 1]);
  });

  it('keeps at most a bounded number of addresses; the rest share one overflow window, reported but not limited', async () => {
    const l = limiter(1, 3);
    for (let a = 1; a <= 50; a++) for (let i = 0; i < 3; i++) l.refused(`10.0.1.${a}`, refusal());
    expect(l.retryAfter('10.0.1.2')).toBeGreaterThan(0);
    expect(l.retryAfter('10.0.1.20')).toBe(0);
    clock += WINDOW;
    l.sweep();
    const events = await reported();
    expect(events).toHaveLength(4);
    expect(events.filter((e) => e.address === null).map((e) => e.detail)).toMatchObject([{ count: 47 * 3, limited: 0, overflow: true }]);
    expect(events.reduce((n, e) => n + (e.detail.count as number), 0)).toBe(150);
  });

  it('keeps a bounded sample of what was refused', async () => {
    const l = limiter(1000);
    for (let i = 0; i < 30; i++) l.refused('10.0.0.1', refusal({ route: `GET /probe/${i}`, status: 404, reason: 'not_found' }));
    l.flush();
    const [event] = await reported();
    const sample = event!.detail.sample as Record<string, number>;
    expect(Object.keys(sample)).toHaveLength(11);
    expect(sample.other).toBe(20);
  });

  it('counts IPv6 callers by their /64', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey(null)).toBe('unknown');
    const l = limiter(1);
    l.refused('2001:db8:1:2::10', refusal());
    expect(l.refused('2001:db8:1:2::11', refusal())).toBeGreaterThan(0);
  });
});
