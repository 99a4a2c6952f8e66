/**
 * One node's audit writer for bench:audit: `concurrency` callers each record events back to back
 * for `seconds`, through liuhen's own AuditLog (group commit, head read, retry on a taken seq), or
 * (`plain`) as single-row INSERTs of the same row into an unchained table: the database's own rate.
 * Prints one JSON line: { ok, failed, firstError }.
 */
import pg from 'pg';
import { z } from 'zod';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { openDatabase } from '../../server/db/database.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';

const [url, mode, seconds, concurrency, node] = z
  .tuple([z.string().url(), z.enum(['chained', 'plain']), z.coerce.number().positive(), z.coerce.number().int().positive(), z.string()])
  .parse(process.argv.slice(2));

const event = (n: number) => ({ actor: `user:${node}`, action: 'playback.segment' as const, subject: `rec-${n % 50}`, outcome: 'ok' as const, object: `seg-${n}.ts`, bytes: 187_000 });

async function writer(): Promise<(n: number) => Promise<unknown>> {
  if (mode === 'chained') {
    const audit = new AuditLog(repositoriesOf(await openDatabase(url)));
    return (n) => audit.record(event(n));
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return (n) => {
    const e = event(n);
    return pool.query('INSERT INTO plain_events (at, actor, action, subject, outcome, object, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      new Date().toISOString(),
      e.actor,
      e.action,
      e.subject,
      e.outcome,
      e.object,
      e.bytes,
    ]);
  };
}

const write = await writer();
let ok = 0;
let failed = 0;
let firstError: string | undefined;
// Every writer starts when the bench says go (a line on stdin), so the nodes overlap fully.
await new Promise((resolve) => process.stdin.once('data', resolve));
const until = performance.now() + seconds * 1000;
let n = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      try {
        await write(n++);
        ok++;
      } catch (e) {
        failed++;
        firstError ??= String(e);
      }
    }
  }),
);
process.stdout.write(`${JSON.stringify({ ok, failed, firstError })}\n`);
process.exit(0);
