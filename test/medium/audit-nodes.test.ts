/**
 * Audit across nodes (issue 15): several nodes append to the one audit chain in PostgreSQL at once,
 * each with its own AuditLog and connection pool as on its own machine. No event is lost to the
 * race for the next seq, and `liuhen audit verify` passes over what they all wrote. Before appenders
 * took turns at the head, the losers of that race retried five times and then failed: bench:audit
 * lost 19,079 events in 8 s with three nodes.
 */
import { afterAll, expect, it } from 'vitest';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { testEnv } from '../helpers/server.ts';

const NODES = 3;
const CALLERS = 40;
const EACH = 25;

const dbs: Db[] = [];
afterAll(async () => Promise.all(dbs.map((d) => d.destroy())));

it('three nodes appending at once lose no event, and the chain they wrote verifies', async () => {
  const url = await freshPostgresDatabase();
  for (let n = 0; n < NODES; n++) dbs.push(await openDatabase(url));
  const logs = dbs.map((db) => new AuditLog(repositoriesOf(db)));
  const outcomes = await Promise.allSettled(
    logs.flatMap((log, node) =>
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let i = 0; i < EACH; i++) await log.record({ actor: `user:node-${node}`, action: 'playback.segment', subject: `caller-${caller}`, outcome: 'ok', object: `seg-${i}.ts` });
      }),
    ),
  );
  const failed = outcomes.filter((o) => o.status === 'rejected');
  expect(failed.map((f) => String((f as PromiseRejectedResult).reason)).slice(0, 1)).toEqual([]);

  const written = await logs[0]!.query({ action: 'playback.segment' });
  expect(written).toHaveLength(NODES * CALLERS * EACH);
  for (let n = 0; n < NODES; n++) expect(written.filter((e) => e.actor === `user:node-${n}`)).toHaveLength(CALLERS * EACH);

  const verified = await runCli(['audit', 'verify'], await testEnv({ LIUHEN_DATABASE_URL: url }));
  expect(verified.stdout).toMatch(/^audit log intact — \d+ events/);
  expect(verified.code).toBe(0);
});
