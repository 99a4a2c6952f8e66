/**
 * npm run bench:playback [-- --viewers 200,1000 --seconds 20]
 *
 * V concurrent viewers at the live edge of 4 live feeds (playlist, newest segment, again — no
 * think time), each signed in, with its own playback session: every request goes through the
 * signature check, the session, the policy, the store read and the audit log. Then the same V
 * loops against nginx serving the same segment files and a playlist statically, in the same run.
 * Reports requests/s, p50/p99 per request kind, and audit rows written vs requests served.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Pool, request } from 'undici';
import { z } from 'zod';
import { hashPassword } from '../../server/auth/password.ts';
import { openDatabase } from '../../server/db/database.ts';
import { newId } from '../../server/ids.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { startLiuhen } from '../ingest/liuhen-target.ts';
import { startPublishers } from '../ingest/publishers.ts';
import { sourceClip } from '../ingest/source-clip.ts';
import { watchMachine, watchTree } from '../lib/process-tree.ts';
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
  })
  .parse(parseArgs({ options: { viewers: { type: 'string' }, seconds: { type: 'string' } } }).values);

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
  machineBusyPercent: number;
}

/** V loops for warm-up + window against `origin`, measuring the server tree under `pid`. */
async function load(origin: string, playlists: string[], pid: number): Promise<Run> {
  const pool = new Pool(origin, { connections: playlists.length, pipelining: 1 });
  const stats: LoopStats = emptyStats();
  const start = Date.now();
  const window = { from: start + WARMUP_SECONDS * 1000, to: start + (WARMUP_SECONDS + args.seconds) * 1000 };
  let usage: ReturnType<ReturnType<typeof watchTree>['stop']> | undefined;
  let busy = 0;
  const measuring = (async () => {
    await sleep(WARMUP_SECONDS * 1000);
    const tree = watchTree(pid);
    const machine = watchMachine();
    await sleep(args.seconds * 1000);
    usage = tree.stop();
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

async function runOne(viewers: number, clip: string) {
  const http = await freePort();
  const liuhen = await startLiuhen(FEEDS, { rtmp: await freePort(), http });
  const origin = `http://127.0.0.1:${http}`;
  const db = await openDatabase(`sqlite:${path.join(liuhen.env.LIUHEN_DATA_DIR!, 'liuhen.sqlite')}`);
  const publishers = await startPublishers(clip, liuhen.urls);
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
    const playlists = await signInViewers(origin, badges, devices);
    const signInSeconds = (Date.now() - t0) / 1000;
    const auditedBefore = await countServed(db);
    const liuhenRun = await load(origin, playlists, liuhen.pid);
    await sleep(1000);
    const audited = (await countServed(db)) - auditedBefore;

    // nginx gets the same segment files and a live-edge playlist of them.
    const rec = await db.selectFrom('recordings').select('id').orderBy('started_at').limit(1).executeTakeFirstOrThrow();
    const root = fs.mkdtempSync(path.join(path.dirname(liuhen.env.LIUHEN_DATA_DIR!), 'liuhen-bench-static-'));
    const segDir = path.join(liuhen.env.LIUHEN_DATA_DIR!, 'evidence', 'recordings', rec.id, 'segments');
    const files = fs
      .readdirSync(segDir)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .slice(-6);
    for (const f of files) fs.copyFileSync(path.join(segDir, f), path.join(root, f));
    fs.writeFileSync(
      path.join(root, 'index.m3u8'),
      ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:0', ...files.flatMap((f) => ['#EXTINF:2.000,', f]), ''].join('\n'),
    );
    const nginxPort = await freePort();
    const nginx = await startNginxStatic(root, nginxPort);
    const nginxRun = await load(
      `http://127.0.0.1:${nginxPort}`,
      Array.from({ length: viewers }, () => '/index.m3u8'),
      nginx.pid,
    );
    await nginx.stop();
    fs.rmSync(root, { recursive: true, force: true });
    return { viewers, signInSeconds, liuhen: { ...liuhenRun, audited }, nginx: nginxRun, ratio: liuhenRun.requestsPerSecond / nginxRun.requestsPerSecond };
  } finally {
    await publishers.stop();
    await db.destroy();
    await liuhen.stop();
  }
}

async function countServed(db: Awaited<ReturnType<typeof openDatabase>>): Promise<number> {
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
  process.stderr.write(`V=${v}: sign-in, then liuhen and nginx static (${WARMUP_SECONDS} s warm-up + ${args.seconds} s measured each)…\n`);
  rows.push(await runOne(v, clip));
}
const f = (x: number, d = 0) => x.toFixed(d);
console.log(`\nliuhen playback vs nginx static — ${FEEDS} live 720p feeds, viewers at the live edge without think time, ${args.seconds} s window`);
console.log('| V | liuhen req/s | playlist p50/p99 ms | segment p50/p99 ms | Mbit/s | audited / served | liuhen CPU % | nginx req/s | nginx segment p50/p99 ms | nginx CPU % | req/s ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const L = r.liuhen;
  const N = r.nginx;
  console.log(
    `| ${r.viewers} | ${f(L.requestsPerSecond)} | ${f(L.playlistP50)}/${f(L.playlistP99)} | ${f(L.segmentP50)}/${f(L.segmentP99)} | ${f(L.mbitPerSecond)} | ${L.audited} / ${L.served} | ${f(L.cpuPercent)} | ${f(N.requestsPerSecond)} | ${f(N.segmentP50)}/${f(N.segmentP99)} | ${f(N.cpuPercent)} | ${f(r.ratio, 2)} |`,
  );
}
console.log('\n' + JSON.stringify(rows, null, 2));
