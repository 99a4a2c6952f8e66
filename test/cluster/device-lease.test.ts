/**
 * One device, one recording node (issue 15): a device publishing to a second node while the first
 * records it is refused there and audited naming the first, and the first records on. Once the
 * holder ends the publish cleanly the device is free at once; once the holder is killed, within the
 * lease time, and the recording it was making goes on. Real processes on PostgreSQL and Ceph RGW,
 * real ffmpeg publishers.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeTimings } from '../../server/cluster/node-presence.ts';
import { ClusterDb, clusterEnvs } from '../helpers/cluster.ts';
import { runCli } from '../helpers/cli.ts';
import { publish, type Publisher } from '../helpers/publisher.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

/** A short node lease: the device moves sooner; the bounds below derive from it. */
const LEASE_SECONDS = 5;
const { leaseMs: LEASE_MS } = nodeTimings(LEASE_SECONDS);

const servers: ServerProcess[] = [];
const cameras: Publisher[] = [];
let cluster: ClusterDb | undefined;
afterAll(async () => {
  for (const c of cameras) c.stop();
  for (const s of servers) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
  await cluster?.end();
});

async function up(env: Record<string, string>): Promise<ServerProcess> {
  const p = await startServerProcess(env);
  servers.push(p);
  return p;
}

function camera(url: string, seconds: number): Publisher {
  const c = publish(url, seconds);
  cameras.push(c);
  return c;
}

const rows = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => cluster!.rows<T>(text, values);
const nodeOf = (p: ServerProcess) => cluster!.nodeOf(p.child.pid!);
const leaseHolder = (deviceId: string) => cluster!.leaseHolder(deviceId);

async function refusals(deviceId: string): Promise<Array<{ node: string }>> {
  const found = await rows<{ detail: string }>("SELECT detail FROM audit_events WHERE action = 'device.publish_refused_leased' AND subject = $1 ORDER BY seq", [deviceId]);
  return found.map((r) => JSON.parse(r.detail) as { node: string });
}

async function segmentsOf(deviceId: string): Promise<Array<{ id: string; segment_count: number }>> {
  return rows('SELECT id, segment_count FROM recordings WHERE device_id = $1 ORDER BY started_at', [deviceId]);
}

/** The device's recordings, without recovery recordings (sealed from a dead node's spool, test/cluster/failover.test.ts). */
async function recordingsOf(deviceId: string): Promise<Array<{ id: string; state: string; segment_count: number; gap_count: number; interrupted_at: string | null }>> {
  return rows('SELECT id, state, segment_count, gap_count, interrupted_at FROM recordings WHERE device_id = $1 AND recovers_recording_id IS NULL ORDER BY started_at', [deviceId]);
}

/**
 * A camera publishing to `url` as a real one does: started again whenever its publish ends, until
 * `done` holds (a node refuses it while another node holds its lease).
 */
async function publishUntil(what: string, url: string, done: () => Promise<boolean>, timeoutMs: number): Promise<Publisher> {
  let current: Publisher | undefined;
  let ended = true;
  await waitFor(
    what,
    async () => {
      if (await done()) return true;
      if (ended) {
        const c = camera(url, 120);
        current = c;
        ended = false;
        void c.exited.then(() => current === c && (ended = true));
      }
      return false;
    },
    timeoutMs,
    250,
  );
  return current!;
}

/** The same publish URL on another node's RTMP port. */
const onPort = (url: string, port: string) => url.replace(/:\d+\//, `:${port}/`);

describe('a device publishing to two nodes', () => {
  it('is refused by the second while the first records it, and taken by the second once the first ends or dies, and freed by a clean stop', async () => {
    const [first, secondEnv] = (await clusterEnvs(2)).map((env): Record<string, string> => ({ ...env, LIUHEN_NODE_LEASE_SECONDS: String(LEASE_SECONDS) })) as [
      Record<string, string>,
      Record<string, string>,
    ];
    const db = first.LIUHEN_DATABASE_URL!;
    const [a, b] = await Promise.all([up(first), up(secondEnv)]);
    cluster = new ClusterDb(db);
    const [nodeA, nodeB] = [await nodeOf(a), await nodeOf(b)];

    const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', 'L1'], first);
    expect(added.code, added.stderr).toBe(0);
    const urlA = /publish URL[^:]*: (\S+)/.exec(added.stdout)![1]!;
    const urlB = onPort(urlA, secondEnv.LIUHEN_RTMP_PORT!);
    const deviceId = /device (\S+)/.exec(added.stdout)![1]!;

    const onA = await publishUntil('node A to seal a segment', urlA, async () => ((await segmentsOf(deviceId))[0]?.segment_count ?? 0) >= 1, 60_000);
    expect(await leaseHolder(deviceId)).toBe(nodeA);

    // The same device at node B while A records it: B closes the publish and says who holds it.
    const refused = camera(urlB, 30);
    expect(await refused.exited).not.toBe(0);
    // (An empty list is truthy: wait for the first refusal itself, which is written after the publish closed.)
    const refusal = await waitFor('the refusal in the audit log', async () => (await refusals(deviceId))[0], 10_000);
    expect(refusal).toEqual({ node: nodeA });
    const [recording] = await segmentsOf(deviceId);
    // A records on: more segments in the same recording, and B started none.
    await waitFor('node A to seal more', async () => (await segmentsOf(deviceId))[0]!.segment_count > recording!.segment_count, 30_000);
    expect((await segmentsOf(deviceId)).map((r) => r.id)).toEqual([recording!.id]);
    expect(await leaseHolder(deviceId)).toBe(nodeA);

    // The publish to A ends (the camera goes away): its lease is given up at once, and B takes the device.
    onA.stop();
    await onA.exited;
    await waitFor('the lease released', async () => (await leaseHolder(deviceId)) === undefined, 5000, 100);
    await publishUntil('node B to hold the device', urlB, async () => (await leaseHolder(deviceId)) === nodeB, 10_000);

    // Now A refuses it; then B is killed, and once its lease lapses A takes the device.
    const refusedAtA = camera(urlA, 30);
    expect(await refusedAtA.exited).not.toBe(0);
    await waitFor('the refusal naming B', async () => (await refusals(deviceId)).some((r) => r.node === nodeB), 10_000);
    const onB = (await recordingsOf(deviceId)).at(-1)!;
    b.child.kill('SIGKILL');
    await b.exited;
    const killedAt = Date.now();
    // The camera retries as a real one would, until a node takes it.
    await publishUntil('node A to take the device from the killed node', urlA, async () => (await leaseHolder(deviceId)) === nodeA, LEASE_MS + 10_000);
    const takenAfterMs = Date.now() - killedAt;
    console.log(`device lease taken over ${takenAfterMs} ms after the holder was killed`);
    expect(takenAfterMs).toBeLessThan(LEASE_MS + 3000);

    // The killed node starts again while A records the device: the open recording and the spool of a
    // device another live node holds are that node's, so B's start neither interrupts A's recording
    // nor kills its segmenter (before the lease was asked, B's recovery did both).
    // A continues the recording B was making.
    await waitFor(
      'node A to seal the device again',
      async () => {
        const r = (await recordingsOf(deviceId)).at(-1)!;
        return r.gap_count > onB.gap_count && r.segment_count > onB.segment_count;
      },
      30_000,
    );
    const before = (await recordingsOf(deviceId)).at(-1)!;
    expect(before.id).toBe(onB.id);
    const restarted = await up(secondEnv);
    await waitFor('node A to seal on after B restarted', async () => (await recordingsOf(deviceId)).at(-1)!.segment_count >= before.segment_count + 3, 30_000);
    expect((await recordingsOf(deviceId)).at(-1)).toMatchObject({ id: before.id, state: 'live', gap_count: before.gap_count, interrupted_at: null });
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);

    // A clean stop gives up every lease of the node.
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await leaseHolder(deviceId)).toBeUndefined();
  }, 240_000);
});
