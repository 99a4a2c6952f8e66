/**
 * npm run bench:playback [-- --viewers 200,1000 --seconds 20 --api-processes 1,2]
 *
 * V concurrent viewers at the live edge of 4 live feeds (playlist, newest segment, again — no
 * think time), each signed in, with its own playback session: every request goes through the
 * signature check, the session, the policy, the store read and the audit log. Then the same V
 * loops against nginx serving the same segment files and a playlist statically, in the same run.
 * Reports requests/s, p50/p99 per request kind, and audit rows written vs requests served.
 *
 * Without --api-processes liuhen is one node on embedded defaults (SQLite, local store). With it,
 * for each K liuhen is deployed as README "Deploying" says (api-cluster.ts): an ingest node and K
 * api processes over PostgreSQL and Ceph S3 behind nginx; viewers go through nginx.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Pool, request } from 'undici';
import { z } from 'zod';
import { hashPassword } from '../../server/auth/password.ts';
import { loadConfig } from '../../server/config.ts';
import { type Core, openCore } from '../../server/core.ts';
import { createLogger } from '../../server/logger.ts';
import { newId } from '../../server/ids.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { startLiuhen } from '../ingest/liuhen-target.ts';
import { startPublishers } from '../ingest/publishers.ts';
import { sourceClip } from '../ingest/source-clip.ts';
import { watchMachine, watchTree } from '../lib/process-tree.ts';
import { startApiCluster } from './api-cluster.ts';
import { startNginxStatic } from './nginx-static.ts';
import { emptyStats, type LoopStats, percentile, viewerLoop } from './viewer-loop.ts';

const FEEDS = 4;
const WARMUP_SECONDS = 5;
const PASSWORD = 'bench password 0123';

const args = z
  .object({
    viewers: z
      .string()
      .default('200,1000')
      .transform((s) => s.split(',').map((x) => z.coerce.number().int().positive().parse(x))),
    seconds: z.coerce.number().int().min(5).default(20),
    'api-processes': z
      .string()
      .optional()
      .transform((s) => (s === undefined ? [undefined] : s.split(',').map((x) => z.coerce.number().int().positive().parse(x)))),
  })
  .parse(parseArgs({ options: { viewers: { type: 'string' }, seconds: { type: 'string' }, 'api-processes': { type: 'string' } } }).values);

/** liuhen under test: where viewers go, the cameras' publish URLs, the processes serving them. */
interface Target {
  origin: string;
  urls: string[];
  env: Record<string, string>;
  servingPids: number[];
  /** the liuhen processes that serve viewers, without nginx: their CPU per request is the figure least moved by a busy machine */
  apiPids: number[];
  stop(): Promise<void>;
}

async function startTarget(apiProcesses: number | undefined): Promise<Target> {
  if (apiProcesses !== undefined) return startApiCluster(FEEDS, apiProcesses);
  const http = await freePort();
  const liuhen = await startLiuhen(FEEDS, { rtmp: await freePort(), http });
  return { origin: `http://127.0.0.1:${http}`, urls: liuhen.urls, env: liuhen.env, servingPids: [liuhen.pid], apiPids: [liuhen.pid], stop: liuhen.stop };
}

interface Run {
  requestsPerSecond: number;
  playlistP50: number;
  playlistP99: number;
  segmentP50: number;
  segmentP99: number;
  mbitPerSecond: number;
  failed: number;
  served: number;
  cpuPercent: number;
  /** CPU time of the `perRequest` processes (the api processes, or nginx static) over the window, per request served in it */
  cpuMsPerRequest: number;
  machineBusyPercent: number;
}

/** V loops for warm-up + window against `origin`, measuring the process trees under `pids`, and under `perRequest` per request. */
async function load(origin: string, playlists: string[], pids: number[], perRequest: number[]): Promise<Run> {
  const pool = new Pool(origin, { connections: playlists.length, pipelining: 1 });
  const stats: LoopStats = emptyStats();
  const start = Date.now();
  const window = { from: start + WARMUP_SECONDS * 1000, to: start + (WARMUP_SECONDS + args.seconds) * 1000 };
  let usage: ReturnType<ReturnType<typeof watchTree>['stop']> | undefined;
  let own: ReturnType<ReturnType<typeof watchTree>['stop']> | undefined;
  let busy = 0;
  const measuring = (async () => {
    await sleep(WARMUP_SECONDS * 1000);
    const tree = watchTree(pids);
    const ownTree = watchTree(perRequest);
    const machine = watchMachine();
    await sleep(args.seconds * 1000);
    usage = tree.stop();
    own = ownTree.stop();
    busy = machine.stop();
  })();
  await Promise.all(playlists.map((p) => viewerLoop(pool, p, window.to, window, stats)));
  await measuring;
  await pool.close();
  return {
    requestsPerSecond: stats.measured / args.seconds,
    playlistP50: percentile(stats.latency.playlist, 50),
    playlistP99: percentile(stats.latency.playlist, 99),
    segmentP50: percentile(stats.latency.segment, 50),
    segmentP99: percentile(stats.latency.segment, 99),
    mbitPerSecond: (stats.bytes * 8) / 1e6 / args.seconds,
    failed: stats.failed,
    served: stats.ok,
    cpuPercent: usage!.cpuPercent,
    cpuMsPerRequest: (own!.cpuPercent * 10) / (stats.measured / args.seconds),
    machineBusyPercent: busy,
  };
}

/** Signs each viewer in over HTTP, from spread loopback addresses as real clients would come, and opens its session. */
async function signInViewers(origin: string, badges: string[], deviceIds: string[]): Promise<string[]> {
  const agents = Array.from({ length: 200 }, (_, i) => new Agent({ localAddress: `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 2}` }));
  const playlists: string[] = new Array(badges.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < badges.length; i = next++) {
        const dispatcher = agents[i % agents.length]!;
        const post = async (p: string, body: unknown, token?: string) => {
          const res = await request(origin + p, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify(body),
            dispatcher,
          });
          if (res.statusCode >= 300) throw new Error(`${p} → ${res.statusCode} ${await res.body.text()}`);
          return res.body.json();
        };
        const { accessToken } = (await post('/api/auth/sign-in', { badge: badges[i], password: PASSWORD })) as { accessToken: string };
        const session = (await post('/api/playback-sessions', { deviceId: deviceIds[i % deviceIds.length] }, accessToken)) as { playlistUrl: string };
        playlists[i] = session.playlistUrl;
      }
    }),
  );
  await Promise.all(agents.map((a) => a.close()));
  return playlists;
}

async function runOne(viewers: number, apiProcesses: number | undefined, clip: string) {
  const target = await startTarget(apiProcesses);
  const core = await openCore(loadConfig(target.env), createLogger('warn'));
  const db = core.db;
  const publishers = await startPublishers(clip, target.urls);
  try {
    const passwordHash = await hashPassword(PASSWORD);
    const badges = Array.from({ length: viewers }, (_, i) => `V${i}`);
    const now = new Date().toISOString();
    for (let i = 0; i < badges.length; i += 200) {
      await db
        .insertInto('users')
        .values(
          badges.slice(i, i + 200).map((badge) => ({
            id: newId('usr'),
            badge,
            name: `观看者 ${badge}`,
            role: 'commander' as const,
            unit: 'default',
            clearances: '[]',
            password_hash: passwordHash,
            failed_attempts: 0,
            locked_until: null,
            state: 'active' as const,
            created_at: now,
          })),
        )
        .execute();
    }
    const devices = (await db.selectFrom('devices').select('id').execute()).map((d) => d.id);
    for (let i = 0; i < 60; i++) {
      const sealed = await db.selectFrom('recordings').select('segment_count').execute();
      if (sealed.length === FEEDS && sealed.every((r) => r.segment_count >= 3)) break;
      await sleep(500);
    }
    const t0 = Date.now();
    const playlists = await signInViewers(target.origin, badges, devices);
    const signInSeconds = (Date.now() - t0) / 1000;
    const auditedBefore = await countServed(db);
    const liuhenRun = await load(target.origin, playlists, target.servingPids, target.apiPids);
    await sleep(1000);
    const audited = (await countServed(db)) - auditedBefore;

    // nginx gets the same segment files, read from the store, and a live-edge playlist of them.
    const rec = await db.selectFrom('recordings').select('id').orderBy('started_at').limit(1).executeTakeFirstOrThrow();
    const segments = await db.selectFrom('ledger_entries').select(['idx', 'object_key']).where('recording_id', '=', rec.id).where('kind', '=', 'segment').orderBy('idx', 'desc').limit(6).execute();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-static-'));
    const files = segments.reverse().map((e) => `${e.idx}.ts`);
    for (const [i, e] of segments.entries()) fs.writeFileSync(path.join(root, files[i]!), await core.store.get(e.object_key!));
    fs.writeFileSync(
      path.join(root, 'index.m3u8'),
      ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:0', ...files.flatMap((f) => ['#EXTINF:2.000,', f]), ''].join('\n'),
    );
    const nginxPort = await freePort();
    const nginx = await startNginxStatic(root, nginxPort);
    const nginxRun = await load(
      `http://127.0.0.1:${nginxPort}`,
      Array.from({ length: viewers }, () => '/index.m3u8'),
      [nginx.pid],
      [nginx.pid],
    );
    await nginx.stop();
    fs.rmSync(root, { recursive: true, force: true });
    return { viewers, apiProcesses, signInSeconds, liuhen: { ...liuhenRun, audited }, nginx: nginxRun, ratio: liuhenRun.requestsPerSecond / nginxRun.requestsPerSecond };
  } finally {
    await publishers.stop();
    await core.close();
    await target.stop();
  }
}

async function countServed(db: Core['db']): Promise<number> {
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', 'in', ['playback.playlist', 'playback.segment'])
    .where('outcome', '=', 'ok')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const clip = sourceClip();
const rows = [];
for (const v of args.viewers) {
  for (const k of args['api-processes']) {
    const layout = k === undefined ? 'one node' : `${k} api process(es) behind nginx`;
    process.stderr.write(`V=${v}, ${layout}: sign-in, then liuhen and nginx static (${WARMUP_SECONDS} s warm-up + ${args.seconds} s measured each)…\n`);
    rows.push(await runOne(v, k, clip));
  }
}
const f = (x: number, d = 0) => x.toFixed(d);
console.log(`\nliuhen playback vs nginx static — ${FEEDS} live 720p feeds, viewers at the live edge without think time, ${args.seconds} s window`);
console.log(
  '| V | api processes | liuhen req/s | playlist p50/p99 ms | segment p50/p99 ms | Mbit/s | audited / served | liuhen CPU % | api CPU ms/req | nginx req/s | nginx segment p50/p99 ms | nginx CPU % | nginx CPU ms/req | req/s ratio | machine busy % |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const L = r.liuhen;
  const N = r.nginx;
  console.log(
    `| ${r.viewers} | ${r.apiProcesses ?? '1 (no nginx)'} | ${f(L.requestsPerSecond)} | ${f(L.playlistP50)}/${f(L.playlistP99)} | ${f(L.segmentP50)}/${f(L.segmentP99)} | ${f(L.mbitPerSecond)} | ${L.audited} / ${L.served} | ${f(L.cpuPercent)} | ${f(L.cpuMsPerRequest, 2)} | ${f(N.requestsPerSecond)} | ${f(N.segmentP50)}/${f(N.segmentP99)} | ${f(N.cpuPercent)} | ${f(N.cpuMsPerRequest, 2)} | ${f(r.ratio, 2)} | ${f(L.machineBusyPercent)} |`,
  );
}
console.log('\n' + JSON.stringify(rows, null, 2));
