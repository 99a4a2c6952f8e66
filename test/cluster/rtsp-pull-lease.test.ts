/**
 * One fixed camera, one pulling node (issue 15): with three nodes over PostgreSQL, Ceph RGW and
 * Redis, exactly one pulls the RTSP camera (before, each node pulled it and wrote its own chain).
 * The puller is killed: another node pulls the camera within the lease time and a beat, continuing
 * its recording after one node_failover gap. Its clean stop gives the camera up at once, and the
 * last node takes it within a beat. Every recording verifies. Real processes, the GStreamer RTSP
 * test camera, ffmpeg pulling.
 */
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_BEAT_MS, NODE_LEASE_MS } from '../../server/cluster/node-presence.ts';
import { runCli } from '../helpers/cli.ts';
import { ClusterDb, clusterEnvs } from '../helpers/cluster.ts';
import { type RtspCamera, startRtspCamera } from '../helpers/rtsp-camera.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

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
    const envs = await clusterEnvs(3);
    const first = envs[0]!;
    const db = first.LIUHEN_DATABASE_URL!;
    for (const env of envs) servers.push(await startServerProcess(env));
    cluster = new ClusterDb(db);
    const nodes = new Map(await Promise.all(servers.map(async (s) => [await nodeOf(s), s] as const)));

    const added = await runCli(['device', 'add', '--kind', 'fixed', '--name', '受理大厅', '--rtsp', camera.url], first);
    expect(added.code, added.stderr).toBe(0);
    const deviceId = /device (\S+)/.exec(added.stdout)![1]!;

    // Three segments sealed: every node has long known the camera (its gate refreshes every second).
    await waitFor('three segments of the camera', async () => (await recordingsOf(deviceId)).some((r) => r.segment_count >= 3), 60_000);
    const holderId = (await leaseHolder(deviceId))!;
    const holder = nodes.get(holderId)!;
    expect(servers.map((s) => pullsOf(s, camera!.url))).toEqual(servers.map((s) => (s === holder ? 1 : 0)));
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
      NODE_LEASE_MS + NODE_BEAT_MS + 5000,
      100,
    );
    const takenAfterMs = Date.now() - killedAt;
    console.log(`fixed camera pulled again ${takenAfterMs} ms after its puller was killed`);
    await waitFor('the new puller to seal segments', async () => (await segmentsOf(deviceId)) >= beforeKill + 2, 30_000);
    // It continues the killed node's recording, the pause one node_failover gap.
    expect((await recordingsOf(deviceId)).map((r) => r.id)).toEqual([recording!.id]);
    expect(await gapCausesOf(recording!.id)).toEqual(['node_failover']);
    const last = others.find((s) => s !== taker)!;
    expect(others.map((s) => pullsOf(s, camera!.url))).toEqual(others.map((s) => (s === taker ? 1 : 0)));

    // A clean stop gives the camera up: the last node takes it within a beat, not the lease time.
    taker.child.kill('SIGTERM');
    expect(await taker.exited).toBe(0);
    const beforeStop = await segmentsOf(deviceId);
    const stoppedAt = Date.now();
    await waitFor('the last node to pull the camera', async () => (await leaseHolder(deviceId)) === (await nodeOf(last)) && pullsOf(last, camera!.url) === 1, NODE_BEAT_MS + 5000, 100);
    console.log(`fixed camera pulled again ${Date.now() - stoppedAt} ms after its puller stopped cleanly`);
    await waitFor('the last node to seal segments', async () => (await segmentsOf(deviceId)) >= beforeStop + 2, 30_000);

    for (const r of await recordingsOf(deviceId)) {
      const verified = await runCli(['verify', r.id], first);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    }
  }, 240_000);
});
