/**
 * One fixed camera, one pulling node (issue 15): with three nodes over PostgreSQL, Ceph RGW and
 * Redis, exactly one pulls the RTSP camera (before, each node pulled it and wrote its own chain).
 * The puller is killed: another node pulls the camera within the lease time and a beat, continuing
 * its recording after one node_failover gap. Its clean stop gives the camera up at once, and the
 * last node takes it within a beat. Every recording verifies. A node that joins later gets its share
 * of the cameras handed over once it has been live for a lease, and continues their recordings after
 * one node_handover gap (before, the first node kept every camera). Real processes, the GStreamer
 * RTSP test camera, ffmpeg pulling.
 */
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { preferredNode } from '../../server/cluster/camera-spread.ts';
import { nodeTimings } from '../../server/cluster/node-presence.ts';
import { runCli } from '../helpers/cli.ts';
import { ClusterDb, clusterEnvs } from '../helpers/cluster.ts';
import { type RtspCamera, startRtspCamera } from '../helpers/rtsp-camera.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

/** A short node lease: cameras move sooner, every bound below derives from it. */
const LEASE_SECONDS = 5;
const { leaseMs: LEASE_MS, beatMs: BEAT_MS } = nodeTimings(LEASE_SECONDS);
const withLease = (env: Record<string, string>): Record<string, string> => ({ ...env, LIUHEN_NODE_LEASE_SECONDS: String(LEASE_SECONDS) });

const servers: ServerProcess[] = [];
let camera: RtspCamera | undefined;
let cluster: ClusterDb | undefined;
afterAll(async () => {
  for (const s of servers) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
  await camera?.stop();
  await cluster?.end();
});

const rows = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => cluster!.rows<T>(text, values);
const nodeOf = (p: ServerProcess) => cluster!.nodeOf(p.child.pid!);
const leaseHolder = (deviceId: string) => cluster!.leaseHolder(deviceId);

async function gapCausesOf(recordingId: string): Promise<string[]> {
  return (await rows<{ cause: string }>("SELECT cause FROM ledger_entries WHERE recording_id = $1 AND kind = 'gap' ORDER BY idx", [recordingId])).map((r) => r.cause);
}

const segmentsOf = async (deviceId: string) => (await recordingsOf(deviceId)).reduce((n, r) => n + r.segment_count, 0);

async function recordingsOf(deviceId: string): Promise<Array<{ id: string; segment_count: number }>> {
  return rows('SELECT id, segment_count FROM recordings WHERE device_id = $1 ORDER BY started_at', [deviceId]);
}

/** The ffmpeg processes a node runs that read the camera: what "this node pulls it" means. */
function pullsOf(p: ServerProcess, url: string): number {
  let n = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(/\) \S+ (\d+)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))![1]);
      if (ppid === p.child.pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(url)) n++;
    } catch {
      // gone while read
    }
  }
  return n;
}

describe('a fixed camera and three nodes', () => {
  it('is pulled by exactly one node, by another within the lease time and a beat once it is killed, and at once after a clean stop', async () => {
    camera = await startRtspCamera();
    const envs = (await clusterEnvs(3)).map(withLease);
    const first = envs[0]!;
    const db = first.LIUHEN_DATABASE_URL!;
    // Started together, as a deployment's nodes are.
    servers.push(...(await Promise.all(envs.map((env) => startServerProcess(env)))));
    cluster = new ClusterDb(db);
    const nodes = new Map(await Promise.all(servers.map(async (s) => [await nodeOf(s), s] as const)));

    const added = await runCli(['device', 'add', '--kind', 'fixed', '--name', '受理大厅', '--rtsp', camera.url], first);
    expect(added.code, added.stderr).toBe(0);
    const deviceId = /device (\S+)/.exec(added.stdout)![1]!;

    // Three segments sealed: every node has long known the camera (its gate refreshes every second).
    await waitFor('three segments of the camera', async () => (await recordingsOf(deviceId)).some((r) => r.segment_count >= 3), 60_000);
    // Under load the camera's own node can be slow to take it: another takes it after a beat and
    // hands it over once that node has been live a lease. Whoever holds it, exactly one node pulls.
    const holderId = await waitFor(
      'the lease holder alone to pull the camera',
      async () => {
        const id = await leaseHolder(deviceId);
        const s = nodes.get(id ?? '');
        return s && servers.every((x) => pullsOf(x, camera!.url) === (x === s ? 1 : 0)) ? id : undefined;
      },
      LEASE_MS * 3 + 15_000,
      250,
    );
    const holder = nodes.get(holderId!)!;
    const [recording] = await recordingsOf(deviceId);
    expect(await recordingsOf(deviceId)).toHaveLength(1);

    const beforeKill = await segmentsOf(deviceId);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const killedAt = Date.now();
    const others = servers.filter((s) => s !== holder);
    const taker = await waitFor(
      'another node to pull the camera',
      async () => {
        const id = await leaseHolder(deviceId);
        const s = id === holderId ? undefined : nodes.get(id ?? '');
        return s && pullsOf(s, camera!.url) === 1 ? s : undefined;
      },
      LEASE_MS + BEAT_MS + 5000,
      100,
    );
    const takenAfterMs = Date.now() - killedAt;
    console.log(`fixed camera pulled again ${takenAfterMs} ms after its puller was killed`);
    await waitFor('the new puller to seal segments', async () => (await segmentsOf(deviceId)) >= beforeKill + 2, 30_000);
    // It continues the killed node's recording, the pause one node_failover gap.
    expect((await recordingsOf(deviceId)).map((r) => r.id)).toEqual([recording!.id]);
    // (after any hand-over at the start, see above)
    expect((await gapCausesOf(recording!.id)).filter((c) => c !== 'node_handover')).toEqual(['node_failover']);
    const last = others.find((s) => s !== taker)!;
    expect(others.map((s) => pullsOf(s, camera!.url))).toEqual(others.map((s) => (s === taker ? 1 : 0)));

    // A clean stop gives the camera up: the last node takes it within a beat, not the lease time.
    taker.child.kill('SIGTERM');
    expect(await taker.exited).toBe(0);
    const beforeStop = await segmentsOf(deviceId);
    const stoppedAt = Date.now();
    await waitFor('the last node to pull the camera', async () => (await leaseHolder(deviceId)) === (await nodeOf(last)) && pullsOf(last, camera!.url) === 1, BEAT_MS + 5000, 100);
    console.log(`fixed camera pulled again ${Date.now() - stoppedAt} ms after its puller stopped cleanly`);
    await waitFor('the last node to seal segments', async () => (await segmentsOf(deviceId)) >= beforeStop + 2, 30_000);

    for (const r of await recordingsOf(deviceId)) {
      const verified = await runCli(['verify', r.id], first);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    }
  }, 240_000);

  it("is handed over to a node that joins later when it is that node's share, its recording going on after one node_handover gap", async () => {
    camera ??= await startRtspCamera();
    // The default grace window: the first node keeps a handed-over recording open that long for the
    // next (its RTSP connection took up to 12 s here), as it would for a camera reconnecting.
    const [envA, envB] = (await clusterEnvs(2)).map((env): Record<string, string> => ({ ...withLease(env), LIUHEN_GRACE_SECONDS: '30' }));
    const a = await startServerProcess(envA!);
    servers.push(a);
    await cluster?.end();
    cluster = new ClusterDb(envA!.LIUHEN_DATABASE_URL!);
    const aId = await nodeOf(a);
    // Added at once: each `liuhen device add` is a process of its own.
    const devices = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const added = await runCli(['device', 'add', '--kind', 'fixed', '--name', `大厅${i}`, '--rtsp', camera!.url], envA!);
        expect(added.code, added.stderr).toBe(0);
        return /device (\S+)/.exec(added.stdout)![1]!;
      }),
    );
    const sealed = async (d: string, n: number) => (await recordingsOf(d)).some((r) => r.segment_count >= n);
    await waitFor('the first node to record every camera', async () => (await Promise.all(devices.map((d) => sealed(d, 2)))).every(Boolean), 90_000, 500);
    expect(pullsOf(a, camera.url)).toBe(devices.length);

    // The second node's id is its own draw: it is started again until some camera is its share.
    let b: ServerProcess;
    let bId: string;
    let share: string[];
    for (let tries = 1; ; tries++) {
      b = await startServerProcess(envB!);
      bId = await nodeOf(b);
      share = devices.filter((d) => preferredNode(d, [aId, bId]) === bId);
      if (share.length > 0) break;
      b.child.kill('SIGTERM');
      await b.exited;
      expect(tries).toBeLessThan(6);
    }
    servers.push(b);
    const before = new Map(await Promise.all(share.map(async (d) => [d, (await recordingsOf(d))[0]!] as const)));
    const joinedAt = Date.now();
    await waitFor(
      'the joining node to pull its share, the first node the rest',
      async () => (await Promise.all(share.map(leaseHolder))).every((n) => n === bId) && pullsOf(b, camera!.url) === share.length && pullsOf(a, camera!.url) === devices.length - share.length,
      LEASE_MS + 6 * BEAT_MS + 30_000,
      250,
    );
    console.log(`${share.length} of ${devices.length} cameras handed over ${Date.now() - joinedAt} ms after the second node started`);
    const segments = new Map(await Promise.all(share.map(async (d) => [d, (await recordingsOf(d))[0]!.segment_count] as const)));
    await waitFor(
      'the joining node to seal segments of its share',
      async () => (await Promise.all(share.map(async (d) => (await recordingsOf(d))[0]!.segment_count >= segments.get(d)! + 2))).every(Boolean),
      60_000,
      500,
    );

    // Every camera's recording verified at once: each `liuhen verify` is a process of its own.
    const verifications = await Promise.all(devices.map(async (d) => runCli(['verify', (await recordingsOf(d))[0]!.id], envA!)));
    for (const [i, d] of devices.entries()) {
      const recordings = await recordingsOf(d);
      // The same recording, whichever node pulls it now; a handed-over one paused once, saying why.
      expect(recordings).toHaveLength(1);
      expect(await gapCausesOf(recordings[0]!.id)).toEqual(share.includes(d) ? ['node_handover'] : []);
      if (share.includes(d)) expect(recordings[0]!.id).toBe(before.get(d)!.id);
      const verified = verifications[i]!;
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    }
  }, 300_000);
});
