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
    const { rows } = await admin.query<{ pid: number }>(
      "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
    );
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

  it('steps the leader down when its database session is cut, and a node leads again within the retry period, never two at once', async () => {
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
    await waitFor('the old leader to step down', () => !a.state.running || a.state.starts > 1, 5000, 5);
    // The lock is free once the session ends: whichever node tries first takes it, the old leader
    // (as a follower now, on a new session) or the other.
    let twice = false;
    await waitFor(
      'a node to lead again',
      () => {
        twice ||= a.state.running && b.state.running;
        return la.leading || lb.leading;
      },
      5000,
      5,
    );
    expect(Date.now() - cutAt).toBeLessThanOrEqual(RETRY_MS + 1000);
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect(twice).toBe(false);
    expect([la.leading, lb.leading].filter(Boolean)).toHaveLength(1);
    expect([a.state.running, b.state.running].filter(Boolean)).toHaveLength(1);
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
  it('hands a duty that failed to start a new try', async () => {
    const a = countingDuty();
    let attempts = 0;
    const flaky: Duty = {
      name: 'flaky',
      start: () => {
        attempts += 1;
        if (attempts === 1) throw new Error('the database did not answer');
        return { stop: () => undefined };
      },
    };
    const l = new Leadership(leaderLockFor('sqlite:/tmp/unused.sqlite', 'liuhen.leader'), [a.duty, flaky], log, RETRY_MS);
    await l.start();
    expect(l.leading).toBe(false);
    expect(a.state.running).toBe(false);
    await waitFor('a second try', () => l.leading, 3 * RETRY_MS, 20);
    expect(a.state).toMatchObject({ running: true, starts: 2 });
    await l.stop();
  });

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
