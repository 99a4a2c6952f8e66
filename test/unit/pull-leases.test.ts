/**
 * Which node pulls each fixed camera (server/cluster/pull-leases.ts), over a real database: nodes
 * starting together share the cameras and never hold one twice, a node that stops renewing loses
 * its cameras to the others (and lets go of them when it sees that), a node that joins later gets
 * its share handed over once it has been live for a lease, a database that does not answer keeps
 * the pulls and takes none, and a clean stop frees them.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../server/clock.ts';
import { preferredNode } from '../../server/cluster/camera-spread.ts';
import { DEFAULT_NODE_TIMINGS, NODE_LEASE_MS } from '../../server/cluster/node-presence.ts';
import { type PullLeaseRepositories, PullLeases } from '../../server/cluster/pull-leases.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { DeviceLeaseRepository } from '../../server/db/device-lease-repository.ts';
import { NodeRepository } from '../../server/db/node-repository.ts';
import { waitFor } from '../helpers/wait.ts';

const log = pino({ level: 'silent' });
const BEAT_MS = 50;
const cameras = Array.from({ length: 20 }, (_, i) => `cam-${i}`);
const at = (ms: number) => new Date(Date.UTC(2026, 2, 1, 2, 0, 0) + ms);

describe('camera pull leases', () => {
  let db: Db;
  let leases: DeviceLeaseRepository;
  let nodes: NodeRepository;
  const running: PullLeases[] = [];

  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
    leases = new DeviceLeaseRepository(db);
    nodes = new NodeRepository(db);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
    await db.destroy();
  });

  /**
   * A node live at `ms` with its own clock and the cameras it holds, as its pulls would see them. It
   * hands over what it is asked to at once, as RtspIngest does once the camera's pull has stopped.
   */
  async function node(id: string, clock: Clock, repos: PullLeaseRepositories = { leases, nodes }): Promise<{ pulls: PullLeases; held: () => string[] }> {
    const now = clock.now().toISOString();
    await nodes.register({ id, host: 'test', pid: 1, roles: 'ingest,api', started_at: now, heartbeat_at: now });
    const pulls = new PullLeases(repos, id, log, clock, { ...DEFAULT_NODE_TIMINGS, beatMs: BEAT_MS });
    let held: string[] = [];
    pulls.onChange((h) => {
      held = [...h].sort();
      for (const c of cameras) if (pulls.isLeaving(c)) void pulls.handedOver(c);
    });
    running.push(pulls);
    return { pulls, held: () => held };
  }

  const holders = async () => new Map((await leases.leasesOf(cameras)).map((r) => [r.device_id, r.node_id]));

  it('are shared by nodes starting together, each camera held by one, and taken over from a node that stops renewing', async () => {
    const t0 = { now: () => at(0) };
    const a = await node('node-a', t0);
    let bMs = 0;
    const b = await node('node-b', { now: () => at(bMs) });
    for (const n of [a, b]) {
      n.pulls.want(cameras);
      n.pulls.start();
    }
    await waitFor('every camera held', async () => (await holders()).size === cameras.length && a.held().length + b.held().length === cameras.length, 5000, 10);
    const byNode = await holders();
    expect(a.held()).toEqual(cameras.filter((c) => byNode.get(c) === 'node-a').sort());
    expect(b.held()).toEqual(cameras.filter((c) => byNode.get(c) === 'node-b').sort());
    // Neither grabbed them all: about half each (rendezvous hashing of 20 cameras over 2 nodes).
    expect(a.held().length).toBeGreaterThanOrEqual(5);
    expect(b.held().length).toBeGreaterThanOrEqual(5);

    // node-a's time stands still: its renewals stay at 0 s, as a killed node's would. Past the lease
    // node-b, still beating, takes its cameras; node-a, seeing node-b hold them, lets go.
    bMs = NODE_LEASE_MS + 1000;
    await nodes.beat('node-b', at(bMs).toISOString());
    await waitFor('node-b to hold every camera', async () => b.held().length === cameras.length, 5000, 10);
    await waitFor('node-a to let go of them', () => a.held().length === 0, 5000, 10);
    expect([...(await holders()).values()].every((n) => n === 'node-b')).toBe(true);
  });

  it('are handed over to a node that joins later, its share once it has been live for a lease, naming the node it takes them from', async () => {
    let ms = 0;
    const clock = { now: () => at(ms) };
    const a = await node('node-a', clock);
    a.pulls.want(cameras);
    a.pulls.start();
    await waitFor('node-a to hold every camera', () => a.held().length === cameras.length, 5000, 10);

    ms = 1000;
    const b = await node('node-b', clock);
    b.pulls.want(cameras);
    b.pulls.start();
    await nodes.beat('node-a', at(ms).toISOString());
    // Live for less than a lease, node-b could die at once: nothing moves to it yet.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, BEAT_MS));
    expect(a.held()).toHaveLength(cameras.length);
    expect(b.held()).toEqual([]);

    ms = NODE_LEASE_MS + 2000;
    for (const id of ['node-a', 'node-b']) await nodes.beat(id, at(ms).toISOString());
    const share = cameras.filter((c) => preferredNode(c, ['node-a', 'node-b']) === 'node-b').sort();
    expect(share.length).toBeGreaterThanOrEqual(5);
    await waitFor('node-b to hold its share, node-a the rest', () => b.held().join() === share.join() && a.held().length === cameras.length - share.length, 5000, 10);
    expect(a.held()).toEqual(cameras.filter((c) => !share.includes(c)).sort());
    // Each continues node-a's recording: node-b is told whose lease it took.
    for (const c of share) expect(b.pulls.takeOverOf(c)).toMatchObject({ node: 'node-a' });
    // Stable: a few more beats move nothing back.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, BEAT_MS));
    expect(b.held()).toEqual(share);
    expect(
      [...(await holders()).entries()]
        .filter(([, n]) => n === 'node-b')
        .map(([c]) => c)
        .sort(),
    ).toEqual(share);
  });

  it('keep pulling and take nothing while the database does not answer, and are freed by a clean stop', async () => {
    let broken = false;
    let refused = 0;
    const failing =
      <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
      (...args: A) =>
        broken ? Promise.reject(new Error(`connection refused (${++refused})`)) : f(...args);
    const repos: PullLeaseRepositories = {
      leases: {
        acquire: failing(leases.acquire.bind(leases)),
        renew: failing(leases.renew.bind(leases)),
        release: failing(leases.release.bind(leases)),
        handOver: failing(leases.handOver.bind(leases)),
        leasesOf: failing(leases.leasesOf.bind(leases)),
      },
      nodes: { liveSince: failing(nodes.liveSince.bind(nodes)) },
    };
    let ms = 0;
    const a = await node('node-a', { now: () => at(ms) }, repos);
    a.pulls.want(cameras.slice(0, 2));
    a.pulls.start();
    await waitFor('both cameras held', () => a.held().length === 2, 5000, 10);

    broken = true;
    ms = 2 * NODE_LEASE_MS;
    a.pulls.want(cameras.slice(0, 3));
    await waitFor('three rounds to fail', () => refused >= 3, 5000, 10);
    expect(a.held()).toEqual(cameras.slice(0, 2).sort());
    expect(a.pulls.holds(cameras[2]!)).toBe(false);

    broken = false;
    await nodes.beat('node-a', at(ms).toISOString());
    await waitFor('the third camera taken once the database answers', () => a.pulls.holds(cameras[2]!), 5000, 10);
    await a.pulls.stop();
    expect(await holders()).toEqual(new Map());
  });
});
