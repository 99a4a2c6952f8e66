/**
 * A second node where a deployment cannot have one: SQLite and the local WORM directory belong to
 * one machine, so `liuhen up` beside a live node on either refuses with a message saying why.
 * Over PostgreSQL and S3 both nodes start. Real processes, real PostgreSQL, Ceph RGW.
 */
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { cephS3, s3StoreEnv } from '../helpers/ceph.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let running: ServerProcess[] = [];
afterEach(async () => {
  for (const p of running) {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  running = [];
});

async function up(env: Record<string, string>): Promise<ServerProcess> {
  const p = await startServerProcess(env);
  running.push(p);
  return p;
}

/** A second node's env: its own ports (and data dir), the first node's keys (as `liuhen keys init` made them), the rest shared with the first. */
async function beside(first: Record<string, string>, shared: string[]): Promise<Record<string, string>> {
  const own = await testEnv();
  const keysDir = first.LIUHEN_KEYS_DIR ?? path.join(first.LIUHEN_DATA_DIR!, 'keys');
  return { ...own, LIUHEN_KEYS_DIR: keysDir, ...Object.fromEntries(shared.map((k) => [k, first[k]!])) };
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function liveNodes(url: string): Promise<number> {
  const [row] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM nodes WHERE stopped_at IS NULL');
  return Number(row!.n);
}

/** The pid of the process whose session holds the leader lock, by the node its session names. */
async function leaderPid(url: string): Promise<number | undefined> {
  const rows = await query<{ pid: number }>(
    url,
    `SELECT n.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN nodes n ON a.application_name = 'liuhen leader ' || n.id
     WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()`,
  );
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0]?.pid;
}

describe('a second node', () => {
  it('is refused on one SQLite data directory, and starts once the first is killed', async () => {
    const first = await testEnv();
    const a = await up(first);
    const second = await beside(first, ['LIUHEN_DATA_DIR', 'LIUHEN_QUEUE_PREFIX']);
    const refused = await runCli(['up'], second);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/another node is running on this deployment/);
    expect(refused.stderr).toMatch(/the metadata database is SQLite/);
    expect(refused.stderr).toMatch(/PostgreSQL .* and S3/);
    expect(refused.stdout).not.toMatch(/liuhen is up/);

    // Killed, it cannot mark itself stopped; on the same host its process is seen gone at once.
    a.child.kill('SIGKILL');
    await a.exited;
    running = [];
    await up(second);
  });

  it('is refused on PostgreSQL with the local store', async () => {
    const url = await freshPostgresDatabase();
    const first = await testEnv({ LIUHEN_DATABASE_URL: url });
    await up(first);
    const refused = await runCli(['up'], await beside(first, ['LIUHEN_DATABASE_URL', 'LIUHEN_QUEUE_PREFIX']));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the evidence store is the local WORM directory/);
    expect(refused.stderr).not.toMatch(/SQLite/);
    expect(await liveNodes(url)).toBe(1);
  });

  it('starts beside the first on PostgreSQL and S3; one of them leads, and the other once the leader is killed', async () => {
    const url = await freshPostgresDatabase();
    const first = await testEnv({ LIUHEN_DATABASE_URL: url, ...(await s3StoreEnv(await cephS3())) });
    const a = await up(first);
    const s3Keys = Object.keys(first).filter((k) => k.startsWith('LIUHEN_S3_') || k.startsWith('LIUHEN_RETENTION'));
    const b = await up(await beside(first, ['LIUHEN_DATABASE_URL', 'LIUHEN_QUEUE_PREFIX', 'LIUHEN_STORE', ...s3Keys]));
    expect(await liveNodes(url)).toBe(2);
    // The first node up took the lock at its start; the second tries every 3 s.
    expect(await leaderPid(url)).toBe(a.child.pid);

    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    await waitFor('the second node to lead', async () => (await leaderPid(url)) === b.child.pid, 10_000, 100);
    // Its session gone with the process, the lock is free at once; the other takes it at its next try.
    expect(Date.now() - killedAt).toBeLessThan(3000 + 1500);
  });
});
