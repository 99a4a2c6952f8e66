/**
 * npm run bench:costs [-- --cameras 4 --seconds 60 --idle-seconds 15 --drain-seconds 300]
 *
 * What a live camera costs the shared services, for sizing many nodes: one liuhen node over
 * PostgreSQL, S3 (the local Ceph RGW) and Redis, N cameras publishing the 720p ~2 Mbit/s clip,
 * once with workers off and once with the default in-process workers (renditions, thumbnails and
 * A/B marks for every segment). Per sealed segment and per camera-hour: PostgreSQL commits and rows
 * written, S3 requests and bytes, Redis commands and BullMQ jobs, bytes stored (originals vs
 * derivatives), and CPU and PSS of the node's process tree. The node's own rate with no camera
 * (heartbeats, leader duties, queue polling) is measured first and taken off. PostgreSQL's commits
 * count read-only transactions too (pg_stat_database's xact_commit); rows written are the writes.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { sourceClip } from '../ingest/source-clip.ts';
import { costRun, type RunResult, type Usage, type Workers } from './cost-run.ts';

const SEGMENT_SECONDS = 2;

const args = z
  .object({
    cameras: z.coerce.number().int().min(1).default(4),
    seconds: z.coerce.number().int().min(15).default(60),
    'idle-seconds': z.coerce.number().int().min(3).default(15),
    'drain-seconds': z.coerce.number().int().min(0).default(300),
  })
  .parse(parseArgs({ options: { cameras: { type: 'string' }, seconds: { type: 'string' }, 'idle-seconds': { type: 'string' }, 'drain-seconds': { type: 'string' } } }).values);

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
/** S3's write requests (PutObject, multipart, PutObjectRetention): what a provider bills as PUT */
const writes = (r: Record<string, number>) => sum(Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('PUT') || k.startsWith('POST'))));

interface Costs {
  /** of the node's process tree with its children */
  cpuSeconds: number;
  pgCommits: number;
  pgRows: number;
  s3Requests: number;
  s3Writes: number;
  s3Objects: number;
  redisCommands: number;
  jobsAdded: number;
  jobsCompleted: number;
  originalBytes: number;
  derivativeBytes: number;
  ledgerBytes: number;
}

/** What the cameras cost over the busy span: the node's idle rate for that long taken off. */
function cameraCosts(r: RunResult): Costs {
  const k = r.busy.seconds / r.idle.seconds;
  const net = (busy: (u: Usage) => number) => busy(r.busy) - k * busy(r.idle);
  const rows = (u: Usage) => u.pg.inserted + u.pg.updated + u.pg.deleted;
  return {
    cpuSeconds: r.whole.cpuSeconds - k * r.idle.seconds * (r.idle.tree.cpuPercent / 100),
    pgCommits: net((u) => u.pg.commits),
    pgRows: net(rows),
    s3Requests: net((u) => sum(u.s3Requests)),
    s3Writes: net((u) => writes(u.s3Requests)),
    s3Objects: r.stored.originals.objects + r.stored.derivatives.objects + r.stored.ledger.objects,
    redisCommands: net((u) => u.redisCommands),
    jobsAdded: sum(r.bullmq),
    jobsCompleted: r.bullmq.completed ?? 0,
    originalBytes: r.stored.originals.bytes,
    derivativeBytes: r.stored.derivatives.bytes,
    ledgerBytes: r.stored.ledger.bytes,
  };
}

function per(c: Costs, n: number): Costs {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v / n])) as unknown as Costs;
}

function minus(a: Costs, b: Costs): Costs {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - b[k as keyof Costs]])) as unknown as Costs;
}

const clip = sourceClip();
const results: RunResult[] = [];
for (const workers of ['off', 'in-process'] as Workers[]) {
  process.stderr.write(`workers ${workers}: ${args['idle-seconds']} s idle, ${args.cameras} cameras for ${args.seconds} s, then until closed${workers === 'off' ? '' : ' and drained'}…\n`);
  results.push(await costRun({ cameras: args.cameras, seconds: args.seconds, idleSeconds: args['idle-seconds'], drainSeconds: args['drain-seconds'], workers, clip }));
}
const [off, on] = results as [RunResult, RunResult];

// Ingest is the run without workers; derivation is what the workers added, per segment they derived
// (with many cameras a worker falls behind, so the run may end before every segment is derived).
const derived = (on.jobs['segment.derive']?.completed ?? 0) || NaN;
const segmentsPerCameraHour = off.segments / (off.cameraSeconds / 3600);
const ingest = per(cameraCosts(off), off.segments);
const derivation = per(minus(cameraCosts(on), cameraCosts(off)), derived);
const rows = { ingest: { segment: ingest, cameraHour: per(ingest, 1 / segmentsPerCameraHour) }, derivation: { segment: derivation, cameraHour: per(derivation, 1 / segmentsPerCameraHour) } };

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const mib = (b: number) => f(b / 2 ** 20, 2);
console.log(
  `\nwhat a live camera costs one liuhen node and the shared services — ${args.cameras} cameras, 720p25 ~2 Mbit/s, ${args.seconds} s, ${SEGMENT_SECONDS} s segments (${f(segmentsPerCameraHour, 0)} a camera-hour), PostgreSQL + S3 (Ceph RGW) + Redis, the node's idle rate taken off`,
);
console.log('| | ingest (workers off): per segment | per camera-hour | derivation (in-process − off): per derived segment | per camera-hour, every segment derived |');
console.log('|---|---|---|---|---|');
const line = (name: string, pick: (c: Costs) => string) => console.log(`| ${name} | ${[rows.ingest, rows.derivation].map((r) => `${pick(r.segment)} | ${pick(r.cameraHour)}`).join(' | ')} |`);
line('CPU seconds (node and children)', (c) => f(c.cpuSeconds, 2));
line('PostgreSQL commits (read-only ones too)', (c) => f(c.pgCommits));
line('PostgreSQL rows written (ins+upd+del)', (c) => f(c.pgRows));
line('S3 requests (all)', (c) => f(c.s3Requests));
line('S3 write requests (PUT/POST)', (c) => f(c.s3Writes));
line('S3 objects written (versions)', (c) => f(c.s3Objects, 2));
line('Redis commands', (c) => f(c.redisCommands));
line('BullMQ jobs added', (c) => f(c.jobsAdded, 2));
line('BullMQ jobs completed', (c) => f(c.jobsCompleted, 2));
line('stored: originals MiB', (c) => mib(c.originalBytes));
line('stored: derivatives MiB', (c) => mib(c.derivativeBytes));
line('stored: checkpoints, manifests, keys MiB', (c) => mib(c.ledgerBytes));

console.log('\n| | workers off | in-process workers |');
console.log('|---|---|---|');
const both = (name: string, pick: (r: RunResult) => string) => console.log(`| ${name} | ${pick(off)} | ${pick(on)} |`);
both('segments sealed (recordings, gaps)', (r) => `${r.segments} (${r.recordings}, ${r.gaps})`);
both('camera-hours', (r) => f(r.cameraSeconds / 3600, 3));
both('CPU % of a core per camera, publishing (machine busy %)', (r) => `${f(r.steady.cpuPercent / r.cameras, 2)} (${f(r.steady.machineBusyPercent, 0)})`);
both('PSS MiB above idle per camera, peak publishing (node idle MiB)', (r) => `${f((r.steady.peakPssMiB - r.idle.tree.peakPssMiB) / r.cameras)} (${f(r.idle.tree.peakPssMiB, 0)})`);
both('CPU seconds, first camera → closed (and drained)', (r) => `${f(r.whole.cpuSeconds)}${r.drained ? '' : ' (not drained)'}`);
both('segment.derive jobs done', (r) => String(r.jobs['segment.derive']?.completed ?? 0));

for (const r of results) {
  const perSegment = (m: Record<string, number>) =>
    Object.entries(m)
      .sort(([, a], [, b]) => b - a)
      .map(([k, n]) => `${k} ${f(n / r.segments, 2)}`)
      .join(', ');
  console.log(`\nworkers ${r.workers}, per segment (idle rate not taken off): PostgreSQL rows by table: ${perSegment(r.busy.pg.byTable)}; S3 requests: ${perSegment(r.busy.s3Requests)}`);
}

console.log('\nthe node itself, no camera (per second): workers off / in-process');
const rate = (pick: (u: Usage) => number) => results.map((r) => f(pick(r.idle) / r.idle.seconds, 2)).join(' / ');
console.log(
  `PostgreSQL commits ${rate((u) => u.pg.commits)}, rows ${rate((u) => u.pg.inserted + u.pg.updated + u.pg.deleted)}; Redis commands ${rate((u) => u.redisCommands)}; S3 requests ${rate((u) => sum(u.s3Requests))}; CPU % ${results.map((r) => f(r.idle.tree.cpuPercent, 2)).join(' / ')}`,
);

console.log('\n' + JSON.stringify({ args, segmentsPerCameraHour, derived, rows, results }, null, 2));
