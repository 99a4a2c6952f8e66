/**
 * Sign-in and device-credential limits are the deployment's, not each node's (issue 15): nodes
 * behind a balancer share the counts in PostgreSQL, so a guesser whose tries nginx spreads over
 * three nodes does not get three times the tries. Two nodes here are two AuthServices, each with
 * its own connection pool to one database, as on two machines. Before, each node counted in its
 * own memory and the second node let through what the first had refused.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { AttemptLimiter } from '../../server/auth/attempt-limiter.ts';
import { AuthService, type RequestContext } from '../../server/auth/auth-service.ts';
import { UserRegistry } from '../../server/auth/user-registry.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';

const dbs: Db[] = [];
afterAll(async () => Promise.all(dbs.map((d) => d.destroy())));

async function nodes(n: number) {
  const url = await freshPostgresDatabase();
  const jwtKey = randomBytes(32);
  return Promise.all(
    Array.from({ length: n }, async () => {
      const db = await openDatabase(url);
      dbs.push(db);
      const repos = repositoriesOf(db);
      const audit = new AuditLog(repos);
      const users = new UserRegistry(repos, audit);
      return { repos, users, auth: new AuthService(repos, users, audit, jwtKey) };
    }),
  );
}

const from = (address: string): RequestContext => ({ address, userAgent: 'test' });
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'signed in',
    (err: { code?: string }) => err.code ?? String(err),
  );

it('twenty failed sign-ins from one address, spread over two nodes, stop the next one on either', async () => {
  const [a, b] = await nodes(2);
  const spray = from('198.51.100.7');
  for (let i = 0; i < 20; i++) expect(await codeOf((i % 2 ? b! : a!).auth.signIn(`NOBODY${i}`, 'guess', spray))).toBe('bad_credentials');
  expect(await codeOf(b!.auth.signIn('NOBODY-20', 'guess', spray))).toBe('rate_limited');
  expect(await codeOf(a!.auth.signIn('NOBODY-21', 'guess', spray))).toBe('rate_limited');
  // Another address is not held back by this one.
  expect(await codeOf(b!.auth.signIn('NOBODY-22', 'guess', from('198.51.100.8')))).toBe('bad_credentials');
});

it("an account's lock after five wrong passwords from one place holds on every node", async () => {
  const [a, b, c] = await nodes(3);
  const { user, password } = await a!.users.add({ badge: 'J1001', name: '张警官', role: 'reviewer', unit: 'default' }, 'test');
  const place = from('203.0.113.5');
  for (let i = 0; i < 5; i++) expect(await codeOf([a, b, c][i % 3]!.auth.signIn(user.badge, `wrong ${i}`, place))).toBe('bad_credentials');
  // The right password now, on the node that saw the fewest failures: still locked.
  expect(await codeOf(c!.auth.signIn(user.badge, password, place))).toBe('locked');
});

it('attempts arriving at once on two nodes are each counted: exactly the limit gets through', async () => {
  const [a, b] = await nodes(2);
  const limiters = [a!, b!].map((n) => new AttemptLimiter(n.repos.attempts, 'test.burst', 20, 60_000));
  const waits = await Promise.all(Array.from({ length: 60 }, (_, i) => limiters[i % 2]!.hit('192.0.2.1')));
  expect(waits.filter((w) => w === 0)).toHaveLength(20);
  expect(Math.min(...waits.filter((w) => w > 0))).toBeGreaterThan(0);
});
