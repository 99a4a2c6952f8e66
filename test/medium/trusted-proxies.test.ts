/**
 * Behind a load balancer the client's address is the one it forwards (X-Forwarded-For), but only
 * from a balancer named in LIUHEN_TRUSTED_PROXIES: from anyone else the header is a forgery that
 * would put another address in the audit log and dodge the per-address limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A failed sign-in that says it is forwarded for `forwardedFor`, and the address its audit event records. */
async function auditedAddress(s: RunningServer, badge: string, forwardedFor: string): Promise<string | null> {
  const res = await fetch(`http://127.0.0.1:${s.httpPort}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ badge, password: 'not the password' }),
  });
  expect(res.status).toBe(401);
  await s.core.audit.flush();
  const event = await s.core.db.selectFrom('audit_events').select(['address', 'action']).where('actor', 'like', `%${badge}%`).orderBy('seq', 'desc').executeTakeFirst();
  expect(event?.action).toBe('auth.sign_in');
  return event?.address ?? null;
}

describe('the client address behind a load balancer', () => {
  it('is the forwarded one when the request comes from a trusted balancer', async () => {
    server = await startTestServer(await testEnv({ LIUHEN_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' }));
    expect(await auditedAddress(server, 'FWD-1', '203.0.113.7')).toBe('203.0.113.7');
  });

  it('is the connection’s own when no balancer is trusted: a forged header changes nothing', async () => {
    server = await startTestServer(await testEnv());
    expect(await auditedAddress(server, 'FWD-2', '203.0.113.7')).toBe('127.0.0.1');
  });

  it('is the connection’s own when the request comes from an address that is not a trusted balancer', async () => {
    server = await startTestServer(await testEnv({ LIUHEN_TRUSTED_PROXIES: '192.0.2.1' }));
    expect(await auditedAddress(server, 'FWD-3', '203.0.113.7')).toBe('127.0.0.1');
  });
});
