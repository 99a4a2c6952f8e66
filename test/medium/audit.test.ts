/**
 * The audit log is append-only in the database and hash-chained with checkpoints in the WORM
 * store: an edited, forged or removed event is named by `liuhen audit verify`.
 */
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventLine } from '../../server/audit/audit-log.ts';
import { sha256Hex } from '../../server/crypto/hash.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

let env: Record<string, string>;
let db: Db;

beforeAll(async () => {
  env = await testEnv();
  const server = await startTestServer(env);
  await signedInUser(server, 'auditor', 'u1', 'aud-1');
  await signedInUser(server, 'commander', 'u1', 'cmd-1');
  await server.core.audit.flush();
  await server.auditCheckpoints.checkpoint();
  await signedInUser(server, 'reviewer', 'u1', 'rev-1');
  await server.stop();
  db = await openDatabase(`sqlite:${path.join(env.LIUHEN_DATA_DIR!, 'liuhen.sqlite')}`);
});
afterAll(async () => db?.destroy());

const verify = () => runCli(['audit', 'verify'], env);

describe('liuhen audit verify', () => {
  it('passes on the untouched log and lists what was recorded', async () => {
    const ok = await verify();
    expect(ok.stdout).toMatch(/^audit log intact — \d+ events, [1-9]\d* checkpoints/);
    expect(ok.code).toBe(0);
    const listed = await runCli(['audit', '--json'], env);
    const actions = (JSON.parse(listed.stdout) as { events: { action: string }[] }).events.map((e) => e.action);
    expect(actions.filter((a) => a === 'auth.sign_in')).toHaveLength(3);
  });

  it('the database itself refuses to change or delete an audit event', async () => {
    await expect(sql`UPDATE audit_events SET outcome = 'ok' WHERE seq = 2`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_events WHERE seq = 2`.execute(db)).rejects.toThrow(/append-only/);
  });

  it('names an event altered behind the triggers, and a chain rewritten to hide it', async () => {
    await sql`DROP TRIGGER audit_events_no_update`.execute(db);
    await sql`UPDATE audit_events SET address = '10.9.9.9' WHERE seq = 3`.execute(db);
    const naive = await verify();
    expect(naive.code).toBe(1);
    expect(naive.stdout).toMatch(/^audit log BROKEN at event 3 — event 3 was altered/);

    // Recompute every hash from 3 on, as someone with the database but not the WORM store could.
    const rows = await db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
    let prev = rows[1]!.hash;
    for (const row of rows.slice(2)) {
      const { hash: _old, ...fields } = { ...row, prev_hash: prev };
      const hash = sha256Hex(auditEventLine(fields));
      await db.updateTable('audit_events').set({ prev_hash: prev, hash }).where('seq', '=', row.seq).execute();
      prev = hash;
    }
    const forged = await verify();
    expect(forged.code).toBe(1);
    expect(forged.stdout).toMatch(/differs from the checkpoint in audit\/checkpoints\//);
  });

  it('names events removed from the log', async () => {
    await sql`DROP TRIGGER audit_events_no_delete`.execute(db);
    await sql`DELETE FROM audit_events WHERE seq = 2`.execute(db);
    const res = await verify();
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/BROKEN at event 2 — events 2–2 are missing/);
  });
});

describe('on PostgreSQL', () => {
  it('the database refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    const pg = await openDatabase(await freshPostgresDatabase());
    try {
      await pg
        .insertInto('audit_events')
        .values({
          seq: 1,
          at: 'x',
          actor: 'a',
          action: 'b',
          subject: null,
          outcome: 'ok',
          address: null,
          detail: '{}',
          session_id: null,
          object: null,
          bytes: null,
          user_agent: null,
          prev_hash: 'p',
          hash: 'h',
        })
        .execute();
      await expect(sql`UPDATE audit_events SET outcome = 'refused'`.execute(pg)).rejects.toThrow(/append-only/);
      await expect(sql`DELETE FROM audit_events`.execute(pg)).rejects.toThrow(/append-only/);
      await expect(sql`TRUNCATE audit_events`.execute(pg)).rejects.toThrow(/append-only/);
    } finally {
      await pg.destroy();
    }
  });
});
