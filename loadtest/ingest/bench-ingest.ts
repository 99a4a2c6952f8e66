/**
 * npm run bench:ingest [-- --n 10,30,50 --seconds 40 --workers in-process|off --peer nginx|none]
 *
 * N looped 720p ~2 Mbit/s `-c copy` publishers against liuhen, then the same N against nginx-rtmp
 * (`hls on`) in the same run. Reports segments sealed vs expected, segments lost, seal latency
 * (segment complete in the spool → durable in store and ledger) and CPU/memory of each server with
 * its children; the figure to watch is liuhen's CPU per stream as a multiple of nginx's. The event
 * loop's delay (read at the end of the measured window) shows stalls the CPU figures average away.
 * `--workers off` leaves out the derivative jobs (renditions, thumbnails) the defaults run beside
 * sealing; `--peer none` skips nginx (for profiling runs: BENCH_NODE_ARGS in liuhen-target.ts).
 * With nginx, node-media-server alone receives the same N streams too (nms-floor.ts): what no
 * ingest on that library can spend less than, as a multiple of nginx's CPU.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { openDatabase } from '../../server/db/database.ts';
import { watchMachine, watchTree, type TreeUsage } from '../lib/process-tree.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { startLiuhen, type LiuhenTarget } from './liuhen-target.ts';
import { startNginxRtmp } from './nginx-target.ts';
import { startNmsFloor } from './nms-floor-target.ts';
import { startPublishers } from './publishers.ts';
import { sourceClip } from './source-clip.ts';

const SEGMENT_SECONDS = 2;
const WARMUP_SECONDS = 8;

const args = z
  .object({
    n: z
      .string()
      .default('10,30,50')
      .transform((s) => s.split(',').map((x) => z.coerce.number().int().positive().parse(x))),
    seconds: z.coerce.number().int().min(10).default(40),
    workers: z.enum(['in-process', 'off']).default('in-process'),
    peer: z.enum(['nginx', 'none']).default('nginx'),
  })
  .parse(parseArgs({ options: { n: { type: 'string' }, seconds: { type: 'string' }, workers: { type: 'string' }, peer: { type: 'string' } } }).values);

interface Ledger {
  steadyLagP50ms: number;
  steadyLagP99ms: number;
  recordings: number;
  sealed: number;
  expected: number;
  lost: number;
  gaps: number;
  unsealedInSpool: number;
}

/** Reads what liuhen made of the run: every hole in a recording's timeline is a lost segment. */
async function readLedger(target: LiuhenTarget, sentSeconds: number, window: { from: number; to: number }): Promise<Ledger> {
  const db = await openDatabase(`sqlite:${path.join(target.env.LIUHEN_DATA_DIR!, 'liuhen.sqlite')}`);
  try {
    for (let i = 0; i < 120; i++) {
      const open = await db.selectFrom('recordings').select('id').where('state', '!=', 'closed').execute();
      if (open.length === 0) break;
      await sleep(500);
    }
    const recordings = await db.selectFrom('recordings').selectAll().execute();
    const entries = await db.selectFrom('ledger_entries').selectAll().orderBy('recording_id').orderBy('idx').execute();
    let lost = 0;
    for (let i = 1; i < entries.length; i++) {
      const [prev, cur] = [entries[i - 1]!, entries[i]!];
      if (prev.recording_id !== cur.recording_id || prev.kind !== 'segment' || cur.kind !== 'segment') continue;
      const hole = Date.parse(cur.start_at) - (Date.parse(prev.start_at) + prev.duration_ms);
      if (hole > 100) lost += Math.max(1, Math.round(hole / 1000 / SEGMENT_SECONDS));
    }
    const spool = path.join(target.env.LIUHEN_DATA_DIR!, 'spool');
    const unsealedInSpool = fs.existsSync(spool) ? (fs.readdirSync(spool, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).length : 0;
    // Steady state: segments that ended inside the measured window, start-up excluded.
    const lags = entries
      .filter((e) => e.kind === 'segment')
      .map((e) => ({ end: Date.parse(e.start_at) + e.duration_ms, sealed: Date.parse(e.sealed_at) }))
      .filter((e) => e.end >= window.from && e.end < window.to)
      .map((e) => e.sealed - e.end)
      .sort((a, b) => a - b);
    const at = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN;
    return {
      steadyLagP50ms: at(0.5),
      steadyLagP99ms: at(0.99),
      recordings: recordings.length,
      sealed: entries.filter((e) => e.kind === 'segment').length,
      // Each recording ends with a segment shorter than the target; round per stream, not overall.
      expected: Math.round(sentSeconds / SEGMENT_SECONDS),
      lost: lost + unsealedInSpool,
      gaps: entries.filter((e) => e.kind === 'gap').length,
      unsealedInSpool,
    };
  } finally {
    await db.destroy();
  }
}

function quantile(metrics: string, q: string, name = 'liuhen_seal_latency_seconds'): number {
  const m = new RegExp(`^${name}\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(metrics);
  return m ? Math.round(Number(m[1]) * 1000) : NaN;
}

/**
 * CPU time the server's main thread (its event loop) ran, and waited runnable for a core, from the
 * scheduler's own account: a loop that waits more than it runs is late because the machine's other
 * processes (ffmpeg publishers and segmenters) took the cores, not because of its own work.
 */
function loopThread(pid: number): { runMs: number; waitMs: number } {
  const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { runMs: run! / 1e6, waitMs: wait! / 1e6 };
}

/** Runs N publishers against a started server and measures the server's process tree; `atWindowEnd` reads the server before the publishers stop. */
async function drive<T>(pid: number, urls: string[], clip: string, atWindowEnd: () => Promise<T>) {
  const publishers = await startPublishers(clip, urls);
  await sleep(WARMUP_SECONDS * 1000);
  const watch = watchTree(pid);
  const machine = watchMachine();
  const loopAtStart = loopThread(pid);
  const window = { from: Date.now(), to: Date.now() + args.seconds * 1000 };
  await sleep(args.seconds * 1000);
  const usage = watch.stop();
  const loopAtEnd = loopThread(pid);
  const read = await atWindowEnd();
  return {
    usage,
    read,
    loop: { runSeconds: (loopAtEnd.runMs - loopAtStart.runMs) / 1000, waitSeconds: (loopAtEnd.waitMs - loopAtStart.waitMs) / 1000 },
    window,
    machineBusyPercent: machine.stop(),
    failed: publishers.failed(),
    stop: async () => {
      await publishers.stop();
      return publishers.sentSeconds();
    },
  };
}

interface Row {
  n: number;
  liuhen: TreeUsage &
    Ledger & {
      sealP50ms: number;
      sealP99ms: number;
      lagP50ms: number;
      lagP99ms: number;
      loopDelayP50ms: number;
      loopDelayP99ms: number;
      loopDelayMaxMs: number;
      loopRunSeconds: number;
      loopWaitSeconds: number;
      failedPublishers: number;
      machineBusyPercent: number;
    };
  nginx?: TreeUsage & { failedPublishers: number; machineBusyPercent: number };
  /** node-media-server alone (nms-floor.ts) */
  floor?: TreeUsage & { failedPublishers: number };
  ratio: number;
  floorRatio: number;
}

async function runOne(n: number, clip: string): Promise<Row> {
  const liuhen = await startLiuhen(n, { rtmp: await freePort(), http: await freePort() }, { LIUHEN_WORKERS: args.workers });
  const l = await drive(liuhen.pid, liuhen.urls, clip, () => liuhen.metrics());
  const sentSeconds = await l.stop();
  const ledger = await readLedger(liuhen, sentSeconds, l.window);
  const metrics = await liuhen.metrics();
  await liuhen.stop();

  let g: Awaited<ReturnType<typeof drive>> | undefined;
  let floor: Awaited<ReturnType<typeof drive>> | undefined;
  if (args.peer === 'nginx') {
    const nginx = await startNginxRtmp(n, await freePort());
    g = await drive(nginx.pid, nginx.urls, clip, async () => undefined);
    await g.stop();
    await nginx.stop();
    const nms = await startNmsFloor(n, await freePort());
    floor = await drive(nms.pid, nms.urls, clip, async () => undefined);
    await floor.stop();
    await nms.stop();
  }

  return {
    n,
    liuhen: {
      ...l.usage,
      ...ledger,
      sealP50ms: quantile(metrics, '0.5'),
      sealP99ms: quantile(metrics, '0.99'),
      lagP50ms: quantile(metrics, '0.5', 'liuhen_seal_lag_seconds'),
      lagP99ms: quantile(metrics, '0.99', 'liuhen_seal_lag_seconds'),
      loopDelayP50ms: quantile(l.read, '0.5', 'liuhen_event_loop_delay_seconds'),
      loopDelayP99ms: quantile(l.read, '0.99', 'liuhen_event_loop_delay_seconds'),
      loopDelayMaxMs: quantile(l.read, '1', 'liuhen_event_loop_delay_seconds'),
      loopRunSeconds: l.loop.runSeconds,
      loopWaitSeconds: l.loop.waitSeconds,
      failedPublishers: l.failed,
      machineBusyPercent: l.machineBusyPercent,
    },
    nginx: g && { ...g.usage, failedPublishers: g.failed, machineBusyPercent: g.machineBusyPercent },
    floor: floor && { ...floor.usage, failedPublishers: floor.failed },
    ratio: g ? l.usage.cpuPercent / g.usage.cpuPercent : NaN,
    floorRatio: g && floor ? floor.usage.cpuPercent / g.usage.cpuPercent : NaN,
  };
}

const clip = sourceClip();
const rows: Row[] = [];
for (const n of args.n) {
  process.stderr.write(`N=${n}: liuhen (workers ${args.workers})${args.peer === 'nginx' ? ', then nginx-rtmp' : ''} (${WARMUP_SECONDS} s warm-up + ${args.seconds} s measured each)…\n`);
  rows.push(await runOne(n, clip));
}

const f = (x: number, d = 1) => x.toFixed(d);
console.log(`\nliuhen ingest vs nginx-rtmp \`hls on\` — 720p25 ~2 Mbit/s looped -c copy, ${args.seconds} s window, ${SEGMENT_SECONDS} s segments, local store + SQLite, workers ${args.workers}`);
console.log(
  '| N | sealed / expected | lost | seal p50 / p99 ms (whole run) | segment end → sealed p50 / p99 ms (whole run) | segment end → sealed p50 / p99 ms (window) | event-loop delay p50 / p99 / max ms (to window end) | loop thread ran / waited for a core s (window) | liuhen CPU % (per stream) | liuhen PSS MiB | machine busy % | nginx CPU % (per stream) | nginx PSS MiB | machine busy % | CPU ratio | node-media-server alone CPU % (per stream) | its ratio to nginx |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const [L, G] = [r.liuhen, r.nginx];
  const peer = G ? `${f(G.cpuPercent)} (${f(G.cpuPercent / r.n, 2)}) | ${f(G.peakPssMiB, 0)} | ${f(G.machineBusyPercent, 0)} | ${f(r.ratio, 2)}` : '– | – | – | –';
  const floor = r.floor ? `${f(r.floor.cpuPercent)} (${f(r.floor.cpuPercent / r.n, 2)}) | ${f(r.floorRatio, 2)}` : '– | –';
  console.log(
    `| ${r.n} | ${L.sealed} / ${L.expected} | ${L.lost} | ${L.sealP50ms} / ${L.sealP99ms} | ${L.lagP50ms} / ${L.lagP99ms} | ${L.steadyLagP50ms} / ${L.steadyLagP99ms} | ${L.loopDelayP50ms} / ${L.loopDelayP99ms} / ${L.loopDelayMaxMs} | ${f(L.loopRunSeconds)} / ${f(L.loopWaitSeconds)} | ${f(L.cpuPercent)} (${f(L.cpuPercent / r.n, 2)}) | ${f(L.peakPssMiB, 0)} | ${f(L.machineBusyPercent, 0)} | ${peer} | ${floor} |`,
  );
}
console.log('\n' + JSON.stringify(rows, null, 2));
