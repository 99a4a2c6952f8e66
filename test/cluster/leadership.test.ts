/**
 * One leader for the single-run duties (server/cluster/leadership.ts) over real PostgreSQL: two
 * nodes' Leadership on one database, exactly one leads; when the leader's session is cut or it
 * stops, the other takes over within the retry period, and a duty runs only where it leads.
 */
import pg from 'pg';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Duty, Leadership } from '../../server/cluster/leadership.ts';
import { leaderLockFor } from '../../server/db/leader-lock.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/wait.ts';

const RETRY_MS = 300;
const log = pino({ level: 'silent' });

/** A duty that counts its ticks while it runs. */
function countingDuty() {
  const state = { ticks: 0, running: false, starts: 0 };
  const duty: Duty = {
    name: 'counting',
    start: () => {
      state.running = true;
      state.starts += 1;
      const timer = setInterval(() => (state.ticks += 1), 20);
      return {
        stop: () => {
          clearInterval(timer);
          state.running = false;
        },
      };
    },
  };
  return { duty, state };
}

async function terminateLockHolder(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted");
    expect(rows).toHaveLength(1);
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
  } finally {
    await admin.end();
  }
}

describe('leadership over a PostgreSQL advisory lock', () => {
  let url: string;
  let nodes: Leadership[] = [];
  beforeAll(async () => {
    url = await freshPostgresDatabase();
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
  });

  function node(duty: Duty, name = 'liuhen.leader.test'): Leadership {
    const l = new Leadership(leaderLockFor(url, name), [duty], log, RETRY_MS);
    nodes.push(l);
    return l;
  }

  it('lets exactly one of two nodes lead, and runs the duty only there', async () => {
    const a = countingDuty();
    const b = countingDuty();
    const [la, lb] = [node(a.duty), node(b.duty)];
    await Promise.all([la.start(), lb.start()]);
    expect([la.leading, lb.leading].filter(Boolean)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    const [leader, follower] = la.leading ? [a, b] : [b, a];
    expect(leader.state.running).toBe(true);
    expect(leader.state.ticks).toBeGreaterThan(0);
    expect(follower.state).toEqual({ ticks: 0, running: false, starts: 0 });
    expect([la.leading, lb.leading].filter(Boolean)).toHaveLength(1);
  });

  it("hands over when the leader's database session is cut: the old leader stops its duty, the other starts it", async () => {
    const a = countingDuty();
    const b = countingDuty();
    const la = node(a.duty);
    await la.start();
    expect(la.leading).toBe(true);
    const lb = node(b.duty);
    await lb.start();
    expect(lb.leading).toBe(false);

    const cutAt = Date.now();
    await terminateLockHolder(url);
    await waitFor('the other node to lead', () => lb.leading, 5000, 20);
    const tookMs = Date.now() - cutAt;
    // The lock is free once the session ends; the follower takes it at its next try.
    expect(tookMs).toBeLessThanOrEqual(RETRY_MS + 500);
    await waitFor('the old leader to step down', () => !la.leading && !a.state.running, 5000, 20);
    expect(b.state.running).toBe(true);
    // The old leader tries again, as a follower now.
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect(la.leading).toBe(false);
    expect(a.state.starts).toBe(1);
  });

  it('hands over when the leader stops', async () => {
    const a = countingDuty();
    const b = countingDuty();
    const la = node(a.duty);
    await la.start();
    const lb = node(b.duty);
    await lb.start();
    expect([la.leading, lb.leading]).toEqual([true, false]);
    await la.stop();
    expect(a.state.running).toBe(false);
    await waitFor('the other node to lead', () => lb.leading && b.state.running, 2 * RETRY_MS + 1000, 20);
  });

  it('does not lead, and does not fail, while the database cannot be reached', async () => {
    const a = countingDuty();
    const unreachable = new Leadership(leaderLockFor('postgres://nobody@127.0.0.1:1/none', 'liuhen.leader.test'), [a.duty], log, RETRY_MS);
    nodes.push(unreachable);
    await unreachable.start();
    expect(unreachable.leading).toBe(false);
    await new Promise((r) => setTimeout(r, 2 * RETRY_MS));
    expect(a.state.starts).toBe(0);
  });
});

describe('leadership on SQLite', () => {
  it('is always held by the one node', async () => {
    const a = countingDuty();
    const l = new Leadership(leaderLockFor('sqlite:/tmp/unused.sqlite', 'liuhen.leader'), [a.duty], log, RETRY_MS);
    await l.start();
    expect(l.leading).toBe(true);
    expect(a.state.running).toBe(true);
    await l.stop();
    expect(a.state.running).toBe(false);
  });
});
