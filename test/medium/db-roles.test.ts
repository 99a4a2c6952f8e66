/**
 * The ledger is append-only in the database itself, and on PostgreSQL the server logs in as a role
 * that owns nothing: it cannot rewrite the ledger or the audit, nor switch their triggers off.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { publish } from '../helpers/publisher.ts';
import { waitForClosed } from '../helpers/recordings.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

async function sealedOn(s: RunningServer): Promise<string> {
  const { device } = await s.core.devices.add({ kind: 'bodycam', officerBadge: 'P1', unit: 'U1' }, 'test');
  return sealedRecording(s, device, new Date('2026-03-01T08:00:00Z'), { gap: true });
}

describe('on SQLite', () => {
  let s: RunningServer;
  let id: string;
  beforeAll(async () => {
    s = await startTestServer(await testEnv());
    id = await sealedOn(s);
  });
  afterAll(async () => s?.stop());

  it('refuses UPDATE and DELETE of ledger entries', async () => {
    await expect(sql`UPDATE ledger_entries SET duration_ms = duration_ms + 1 WHERE recording_id = ${id}`.execute(s.core.db)).rejects.toThrow(/ledger_entries is append-only/);
    await expect(sql`DELETE FROM ledger_entries WHERE recording_id = ${id}`.execute(s.core.db)).rejects.toThrow(/ledger_entries is append-only/);
  });

  it("refuses deleting a recording, rewriting its facts, or moving its sealed head back, and lets the sealer's columns change", async () => {
    const db = s.core.db;
    await expect(sql`DELETE FROM recordings WHERE id = ${id}`.execute(db)).rejects.toThrow(/recordings is append-only/);
    const rewrites = [
      sql`UPDATE recordings SET started_at = '2020-01-01T00:00:00.000Z' WHERE id = ${id}`,
      sql`UPDATE recordings SET header_line = 'forged' WHERE id = ${id}`,
      sql`UPDATE recordings SET head_link = ${'f'.repeat(64)} WHERE id = ${id}`,
      sql`UPDATE recordings SET entry_count = entry_count - 1 WHERE id = ${id}`,
    ];
    for (const rewrite of rewrites) await expect(rewrite.execute(db)).rejects.toThrow(/facts and the sealed head are append-only/);
    await db.updateTable('recordings').set({ confidentiality: 'privacy' }).where('id', '=', id).execute();
    expect((await s.core.recordingVerification.check(id)).ok).toBe(true);
  });
});

describe('on PostgreSQL, with an owner role and a server role', () => {
  const suffix = randomBytes(4).toString('hex');
  const ownerRole = `liuhen_owner_${suffix}`;
  const serverRole = `liuhen_server_${suffix}`;
  const admin = (url: string) => new pg.Client({ connectionString: url });
  let dbUrl: string;
  let asRole: (role: string) => string;
  let s: RunningServer | undefined;
  let server: pg.Client;
  let id: string;

  beforeAll(async () => {
    dbUrl = await freshPostgresDatabase();
    asRole = (role) => Object.assign(new URL(dbUrl), { username: role }).toString();
    // Roles are cluster-wide: this run's own names.
    const roles = fs.readFileSync('infra/deploy/postgres-roles.sql', 'utf8').replaceAll('liuhen_owner', ownerRole).replaceAll('liuhen_server', serverRole);
    const c = admin(dbUrl);
    await c.connect();
    await c.query(roles).finally(() => c.end());
    s = await startTestServer(await testEnv({ LIUHEN_DATABASE_URL: asRole(serverRole), LIUHEN_DATABASE_OWNER_URL: asRole(ownerRole) }));
    id = await sealedOn(s);
    server = admin(asRole(serverRole));
    await server.connect();
  });
  afterAll(async () => {
    await server?.end();
    await s?.stop();
    const c = admin(Object.assign(new URL(dbUrl), { pathname: '/postgres' }).toString());
    await c.connect();
    await c.query(`DROP DATABASE ${new URL(dbUrl).pathname.slice(1)} WITH (FORCE)`);
    await c.query(`DROP ROLE ${ownerRole}`);
    await c.query(`DROP ROLE ${serverRole}`);
    await c.end();
  });

  it('seals and verifies a recording as the server role', async () => {
    expect((await server.query('SELECT current_user AS u')).rows[0].u).toBe(serverRole);
    expect((await s!.core.db.selectFrom('recordings').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('closed');
    expect((await s!.core.recordingVerification.check(id)).ok).toBe(true);
  });

  it('ingests a published camera as the server role: live state, spool parts, seals and closes', async () => {
    const { device, credential } = await s!.core.devices.add({ kind: 'bodycam', officerBadge: 'P2' }, 'test');
    const camera = publish(s!.publishUrl(device.id, credential), 6);
    expect(await camera.exited, camera.stderr()).toBe(0);
    const [recording] = await waitForClosed(s!.core.db, device.id);
    expect(recording!.segment_count).toBeGreaterThanOrEqual(2);
    expect((await s!.core.recordingVerification.check(recording!.id)).ok).toBe(true);
  });

  it('signs people in as the server role: failed attempts are counted again and again, and a success clears them', async () => {
    const signIn = (badge: string, password: string) =>
      fetch(`http://127.0.0.1:${s!.httpPort}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ badge, password }) });
    // The first attempt inserts the counts, the second updates them, the success deletes one.
    for (let i = 0; i < 2; i++) expect((await signIn('R1', 'not the password at all')).status).toBe(401);
    expect(Number((await server.query(`SELECT max(count) AS n FROM attempt_counts`)).rows[0].n)).toBe(2);
    const { userId } = await signedInUser(s!, 'reviewer', 'default', 'R1');
    expect(userId).toMatch(/^usr/);
  });

  it('marks a device watched live as the server role: the first load inserts, a later one moves it on, an earlier one leaves it', async () => {
    const watches = s!.core.repos.liveWatches;
    await watches.watch('dev-pg', '2026-03-01T08:00:20.000Z');
    await watches.watch('dev-pg', '2026-03-01T08:00:25.000Z');
    await watches.watch('dev-pg', '2026-03-01T08:00:21.000Z');
    expect((await server.query(`SELECT watched_until FROM live_watches WHERE device_id = 'dev-pg'`)).rows).toEqual([{ watched_until: '2026-03-01T08:00:25.000Z' }]);
    expect(await watches.watchedAt('dev-pg', '2026-03-01T08:00:24.999Z')).toBe(true);
    expect(await watches.watchedAt('dev-pg', '2026-03-01T08:00:25.000Z')).toBe(false);
  });

  it.each([
    ['audit_events', 'outcome'],
    ['ledger_entries', 'sealed_at'],
  ])('the server role cannot UPDATE, DELETE, TRUNCATE, ALTER or disable the triggers of %s', async (table, column) => {
    await expect(server.query(`UPDATE ${table} SET ${column} = ${column}`)).rejects.toThrow(/permission denied/);
    await expect(server.query(`DELETE FROM ${table}`)).rejects.toThrow(/permission denied/);
    await expect(server.query(`TRUNCATE ${table}`)).rejects.toThrow(/permission denied/);
    await expect(server.query(`ALTER TABLE ${table} DISABLE TRIGGER ALL`)).rejects.toThrow(/must be owner/);
    await expect(server.query(`ALTER TABLE ${table} ADD COLUMN x text`)).rejects.toThrow(/must be owner/);
    await expect(server.query(`DROP TABLE ${table}`)).rejects.toThrow(/must be owner/);
    expect(Number((await server.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)).toBeGreaterThan(0);
  });

  it("the server role cannot delete a recording nor write a recording's facts; the owner is still stopped by the triggers", async () => {
    await expect(server.query('DELETE FROM recordings')).rejects.toThrow(/permission denied/);
    await expect(server.query(`UPDATE recordings SET started_at = started_at`)).rejects.toThrow(/permission denied/);
    const owner = admin(asRole(ownerRole));
    await owner.connect();
    try {
      await expect(owner.query('UPDATE ledger_entries SET duration_ms = duration_ms + 1')).rejects.toThrow(/ledger_entries is append-only/);
      await expect(owner.query(`UPDATE recordings SET entry_count = entry_count - 1 WHERE id = $1`, [id])).rejects.toThrow(/facts and the sealed head are append-only/);
      await expect(owner.query('DELETE FROM recordings')).rejects.toThrow(/recordings is append-only/);
    } finally {
      await owner.end();
    }
  });
});
