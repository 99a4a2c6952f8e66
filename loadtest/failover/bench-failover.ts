/**
 * npm run bench:failover [-- --kills 10 --cameras 3]
 *
 * Lease failover time (issue 15): three nodes over PostgreSQL, Ceph S3 and Redis behind the shipped
 * nginx, cameras publishing through it and reconnecting as real ones do (half a second after a
 * publish ends). Each round SIGKILLs the node recording the most cameras, takes for each of its
 * cameras the time from the kill to its next segment sealed in the same recording on another node,
 * and that recording's node_failover gap; then starts the killed node again and waits until every
 * camera is sealing. Reports every round, then the median and max over all of them.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { buildCliBundle } from '../../test/helpers/cli-bundle.ts';
import { addCamera, type Camera, ClusterDb, clusterEnvs, reconnectingCamera } from '../../test/helpers/cluster.ts';
import { startBalancer } from '../../test/helpers/nginx.ts';
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { percentile } from '../playback/viewer-loop.ts';

const NODES = 3;

const args = z
  .object({ kills: z.coerce.number().int().positive().default(10), cameras: z.coerce.number().int().positive().default(3) })
  .parse(parseArgs({ options: { kills: { type: 'string' }, cameras: { type: 'string' } } }).values);

interface Round {
  round: number;
  cameras: number;
  /** per orphaned camera: kill → its next segment sealed in its same recording, ms */
  sealingAgainMs: number[];
  /** per orphaned camera: the node_failover gap in its recording, ms */
  gapMs: number[];
  /** orphaned cameras whose recording did not go on (a new recording instead) */
  newRecordings: number;
}

await buildCliBundle();
const envs = await clusterEnvs(NODES);
const nodes: ServerProcess[] = [];
for (const env of envs) nodes.push(await startServerProcess({ ...env, LIUHEN_LOG_LEVEL: 'error' }));
const balancer = await startBalancer(envs.map((e) => ({ http: Number(e.LIUHEN_HTTP_PORT), rtmp: Number(e.LIUHEN_RTMP_PORT) })));
const db = new ClusterDb(envs[0]!.LIUHEN_DATABASE_URL!);
const rows = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => db.rows<T>(text, values);
const devices: string[] = [];
const cameras: Camera[] = [];

/** The open recording of each device, once each has sealed a segment in the last few seconds. */
async function allSealing(): Promise<Map<string, string>> {
  return waitFor(
    'every camera sealing',
    async () => {
      const open = await rows<{ device_id: string; id: string; last: string | null }>(
        `SELECT r.device_id, r.id, (SELECT max(sealed_at) FROM ledger_entries e WHERE e.recording_id = r.id AND e.kind = 'segment') AS last
         FROM recordings r WHERE r.state <> 'closed' AND r.recovers_recording_id IS NULL`,
      );
      const fresh = open.filter((r) => r.last !== null && Date.now() - Date.parse(r.last) < 5000);
      return fresh.length === devices.length && new Set(fresh.map((r) => r.device_id)).size === devices.length ? new Map(fresh.map((r) => [r.device_id, r.id])) : undefined;
    },
    120_000,
    500,
  );
}

const rounds: Round[] = [];
try {
  for (let i = 0; i < args.cameras; i++) {
    const { deviceId, url } = await addCamera(envs[0]!, `FB-${i}`, balancer.listen.rtmp);
    devices.push(deviceId);
    cameras.push(reconnectingCamera(url));
  }
  for (let round = 1; round <= args.kills; round++) {
    const open = await allSealing();
    const held = await rows<{ node_id: string; device_id: string; pid: number }>('SELECT l.node_id, l.device_id, n.pid FROM device_leases l JOIN nodes n ON n.id = l.node_id');
    const byPid = new Map<number, string[]>();
    for (const h of held) byPid.set(h.pid, [...(byPid.get(h.pid) ?? []), h.device_id]);
    const [pid, orphans] = [...byPid.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    const victim = nodes.findIndex((n) => n.child.pid === pid);
    nodes[victim]!.child.kill('SIGKILL');
    await nodes[victim]!.exited;
    const killedAt = Date.now();
    const r: Round = { round, cameras: orphans.length, sealingAgainMs: [], gapMs: [], newRecordings: 0 };
    for (const deviceId of orphans) {
      const recordingId = open.get(deviceId)!;
      const after = await waitFor(
        `${deviceId} sealing again`,
        async () => {
          const [gap] = await rows<{ idx: number; duration_ms: number }>(
            `SELECT idx, duration_ms FROM ledger_entries WHERE recording_id = $1 AND cause = 'node_failover' AND sealed_at > $2 ORDER BY idx DESC LIMIT 1`,
            [recordingId, new Date(killedAt).toISOString()],
          );
          if (gap) {
            const [next] = await rows<{ sealed_at: string }>(`SELECT sealed_at FROM ledger_entries WHERE recording_id = $1 AND kind = 'segment' AND idx > $2 ORDER BY idx LIMIT 1`, [
              recordingId,
              gap.idx,
            ]);
            return next ? { sealedAt: Date.parse(next.sealed_at), gapMs: gap.duration_ms, same: true } : undefined;
          }
          const [elsewhere] = await rows<{ sealed_at: string }>(
            `SELECT min(e.sealed_at) AS sealed_at FROM ledger_entries e JOIN recordings r ON r.id = e.recording_id
             WHERE r.device_id = $1 AND r.id <> $2 AND r.recovers_recording_id IS NULL AND e.kind = 'segment' AND e.sealed_at > $3`,
            [deviceId, recordingId, new Date(killedAt).toISOString()],
          );
          return elsewhere?.sealed_at ? { sealedAt: Date.parse(elsewhere.sealed_at), gapMs: NaN, same: false } : undefined;
        },
        90_000,
        200,
      );
      r.sealingAgainMs.push(after.sealedAt - killedAt);
      if (after.same) r.gapMs.push(after.gapMs);
      else r.newRecordings++;
    }
    rounds.push(r);
    const s = (ms: number[]) => ms.map((x) => (x / 1000).toFixed(1)).join(', ');
    process.stderr.write(`round ${round}: ${orphans.length} camera(s); kill → sealing again ${s(r.sealingAgainMs)} s; gaps ${s(r.gapMs)} s\n`);
    nodes[victim] = await startServerProcess({ ...envs[victim]!, LIUHEN_LOG_LEVEL: 'error' });
  }
} finally {
  for (const c of cameras) c.stop();
  for (const n of nodes) {
    n.child.kill('SIGTERM');
    await n.exited;
  }
  await balancer.stop();
  await db.end();
}

const all = (f: (r: Round) => number[]) => rounds.flatMap(f);
const sec = (ms: number) => (ms / 1000).toFixed(1);
const again = all((r) => r.sealingAgainMs);
const gaps = all((r) => r.gapMs);
console.log(`\nlease failover — ${NODES} nodes behind nginx, ${args.cameras} cameras, ${rounds.length} kills (SIGKILL of the node recording the most cameras)`);
console.log('| | cameras moved | kill → sealing again, median / max s | node_failover gap, median / max s | recordings not continued |');
console.log('|---|---|---|---|---|');
console.log(
  `| all kills | ${again.length} | ${sec(percentile(again, 50))} / ${sec(Math.max(...again))} | ${sec(percentile(gaps, 50))} / ${sec(Math.max(...gaps))} | ${rounds.reduce((n, r) => n + r.newRecordings, 0)} |`,
);
console.log('\n' + JSON.stringify(rounds, null, 2));
