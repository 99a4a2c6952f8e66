/**
 * npm run bench:latency [-- --segments 2,1 --seconds 30 --settle 8 --variant shipped|no-data-stream|both]
 *
 * Glass-to-glass latency of a live feed on the command-center wall (`#/wall`) in Debian's
 * Chromium, for each segment duration (LIUHEN_SEGMENT_SECONDS) in turn, the camera's GOP equal to
 * it. Target: ≤ 3 s.
 *
 * Per segment duration: liuhen in-process (test/helpers/server.ts: temp data dir, local WORM
 * store, SQLite, loopback ports), one device, one commander; a stamped camera stand-in
 * (stamped-publisher.ts: testsrc2 640×360 at 25 fps + sine, `-re`, libx264 ultrafast zerolatency,
 * `-g` = segment × 25, AAC, RTMP) whose frames carry their own capture time in the picture; the
 * commander signs in through the page and the wall plays the feed through hls.js exactly as
 * shipped (player/dist). After the first readable frame and `--settle` seconds, the probe
 * (page-probe.ts) samples once a second for `--seconds` seconds.
 *
 * What one sample is: latency = (the wall-clock time at which Chromium expects to show the frame,
 * from requestVideoFrameCallback's expectedDisplayTime) − (the wall-clock time written into that
 * frame when it entered the publisher's filter graph, read back from the frame's pixels). Both
 * clocks are this machine's system clock (ffmpeg's RTCTIME, the page's Date.now()), so no clock
 * offset is involved and the server's clock is not trusted for it.
 *
 * Included: x264 encoding and the publisher's FLV muxing/interleaving with audio, RTMP over
 * loopback, node-media-server, the FLV tap, ffmpeg's segmenter waiting for the next keyframe to
 * close a segment, sealing (SHA-256, chain, store write, ledger commit), the live playlist (its
 * window ends at the newest sealed segment), hls.js's playlist polling, segment fetches, MSE
 * append, the player's hold-back from the live edge (as configured in player/src/hls-player.ts,
 * including whatever hls.js's start-up added to it: without catch-up it is never trimmed, so one
 * run is one draw of it), decoding and handing the frame to the compositor.
 * Not included: a real camera's sensor, ISP and hardware encoder (testsrc2 frames are made on
 * the spot; the stamp is taken after `-re` releases a frame, before encoding), a mobile or WAN
 * network between camera and server and between server and browser (everything is loopback), the
 * display's own scan-out/response time and vsync (headless Chromium, no GPU; expectedDisplayTime
 * is when the compositor means to show the frame). Stamp resolution is 1 ms, frames are 40 ms.
 *
 * Also reported, per sample: the tile's own latency figure (`[data-testid=latency]`, now −
 * hls.js playingDate, i.e. measured against EXT-X-PROGRAM-DATE-TIME, the server's wall clock at
 * the publish start plus the segment's offset — it leaves out what happened before the server
 * saw the stream, and is refreshed once a second with 0.1 s resolution), and how much media was
 * buffered ahead of the playhead (the player's hold-back; latency − it = the age of the newest
 * frame the browser had). Per segment that ended in the window: ledger sealed_at − the segment's
 * end (server clock; includes the segmenter's wait for the next keyframe and any muxer
 * buffering), and the browser's first 200 for it − sealed_at (playlist polling + fetch). Plus the
 * server's seal latency from /metrics and the live playlist's EXT-X-TARGETDURATION.
 *
 * `--variant no-data-stream` is a what-if, not liuhen as shipped (see NO_DATA_STREAM_WRAPPER).
 *
 * Output: a table on stdout, then the JSON of every figure. Every process it started (publisher
 * ffmpeg, the server's segmenter ffmpeg, Chromium) is ended by pid on exit, also on error or
 * SIGINT/SIGTERM, and the temp data folders are removed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../../test/helpers/browser.ts';
import { startTestServer, testEnv } from '../../test/helpers/server.ts';
import { PASSWORD } from '../../test/helpers/viewing.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { descendantsOf, watchMachine } from '../lib/process-tree.ts';
import { type ProbeSample, type ProbeState, probeSource } from './page-probe.ts';
import { publishStamped, STAMP_BITS, type StampedPublisher } from './stamped-publisher.ts';

const TARGET_SECONDS = 3;

const args = z
  .object({
    segments: z
      .string()
      .default('2,1')
      .transform((s) => s.split(',').map((x) => z.coerce.number().min(0.5).parse(x))),
    seconds: z.coerce.number().int().min(5).default(30),
    settle: z.coerce.number().min(0).default(8),
    variant: z.enum(['shipped', 'no-data-stream', 'both']).default('shipped'),
  })
  .parse(parseArgs({ options: { segments: { type: 'string' }, seconds: { type: 'string' }, settle: { type: 'string' }, variant: { type: 'string' } } }).values);

type Variant = 'shipped' | 'no-data-stream';
const VARIANTS: Variant[] = args.variant === 'both' ? ['shipped', 'no-data-stream'] : [args.variant];

/**
 * `--variant no-data-stream`: a what-if, not liuhen as shipped. LIUHEN_FFMPEG points at this
 * wrapper, which gives the segmenter `-map 0:v -map 0:a?` instead of `-map 0`. The FLV that
 * node-media-server hands over carries a data stream that hardly ever has a packet; with `-map 0`
 * the segment muxer's interleaving holds every packet back until max_interleave_delta (10 s) is
 * exceeded, so each segment is completed ~10 s after its media arrived. Once
 * server/media/segmenter-args.ts no longer passes `-map 0`, the wrapper changes nothing and the
 * two variants measure the same thing.
 */
const NO_DATA_STREAM_WRAPPER = `#!/bin/sh
# bench:latency what-if: liuhen's segmenter with "-map 0" replaced by "-map 0:v -map 0:a?"
prev=
for a do
  shift
  if [ "$prev" = "-map" ] && [ "$a" = "0" ]; then set -- "$@" "0:v" "-map" "0:a?"; else set -- "$@" "$a"; fi
  prev=$a
done
exec ffmpeg "$@"
`;
function writeWrapper(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-latency-'));
  onCleanup(`wrapper folder ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ffmpeg-no-data-stream.sh');
  fs.writeFileSync(file, NO_DATA_STREAM_WRAPPER, { mode: 0o755 });
  return file;
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started is registered here and undone in reverse order, once.

const cleanups: { what: string; run: () => Promise<void> | void }[] = [];
function onCleanup(what: string, run: () => Promise<void> | void): () => Promise<void> {
  const entry = { what, run };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i < 0) return;
    cleanups.splice(i, 1);
    await runQuietly(entry);
  };
}
async function runQuietly(entry: { what: string; run: () => Promise<void> | void }): Promise<void> {
  try {
    await Promise.race([entry.run(), sleep(15_000).then(() => Promise.reject(new Error('timed out')))]);
  } catch (e) {
    process.stderr.write(`cleanup of ${entry.what} failed: ${String(e)}\n`);
  }
}
async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) await runQuietly(cleanups.pop()!);
  await killStragglers();
}
/** Processes below this one, except tsx's esbuild service (it goes with us). */
function stragglers(): number[] {
  return descendantsOf(process.pid)
    .slice(1)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'esbuild';
      } catch {
        return false;
      }
    });
}
/** Last resort: whatever is still below this one (a segmenter ffmpeg, a Chromium helper) after 3 s, by pid. */
async function killStragglers(): Promise<void> {
  for (let i = 0; i < 30 && stragglers().length > 0; i++) await sleep(100);
  for (const pid of stragglers().reverse()) {
    process.stderr.write(`killing leftover process ${pid}\n`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    process.stderr.write(`\n${sig}: cleaning up…\n`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, median: r(quantile(s, 0.5)), p90: r(quantile(s, 0.9)), min: r(s[0] ?? NaN), max: r(s[s.length - 1] ?? NaN) };
}
type Stats = ReturnType<typeof stats>;

const MOD = 2 ** STAMP_BITS;
/** Seconds from capture to display; the stamp holds the capture time in ms modulo 2^24 (4.6 h). */
function latencyOf(s: ProbeSample): number {
  const shown = Math.round(s.displayedAt);
  return ((((shown - s.stampMod) % MOD) + MOD) % MOD) / 1000;
}

function sealQuantiles(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const q of ['0.5', '0.9', '0.99']) {
    const m = new RegExp(`^liuhen_seal_latency_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(metrics);
    out[`p${Number(q) * 100}`] = m ? Math.round(Number(m[1]) * 1000) / 1000 : NaN;
  }
  return out;
}

interface RunResult {
  variant: Variant;
  segmentSeconds: number;
  gopFrames: number;
  /** glass-to-glass, seconds */
  latency: Stats;
  /** the tile's own figure (now − hls.js playingDate), seconds */
  tileFigure: Stats;
  /** tile figure − glass-to-glass, per sample: what the PROGRAM-DATE-TIME clock leaves out (negative: it over-counts) */
  tileMinusTrue: Stats;
  /** media buffered ahead of the playhead, seconds (the player's hold-back) */
  bufferAhead: Stats;
  /** age of the newest frame the browser had buffered = latency − bufferAhead, seconds */
  newestBufferedAge: Stats;
  sealLatencySeconds: Record<string, number>;
  /** per segment ending in the window: ledger sealed_at − (start_at + duration), seconds (server clock) */
  sealedAfterSegmentEnd: Stats;
  /** per segment ending in the window: browser had it − sealed_at, seconds */
  fetchedAfterSealed: Stats;
  /** sealed segment durations in the recording, seconds */
  segmentDurations: Stats;
  playlistTargetDuration: number | null;
  stallsInWindow: number;
  unreadableFrames: number;
  fatalError: string;
  windowSeconds: number;
  loadAverage: { start: number[]; end: number[] };
  machineBusyPercent: number;
  meetsTarget: boolean;
}

async function waitForProbe(page: Page, check: (s: ProbeState) => boolean, what: string, timeoutMs: number): Promise<ProbeState> {
  return waitFor(
    what,
    async () => {
      const s = (await page.evaluate('window.__latencyProbe ?? null')) as ProbeState | null;
      if (s?.fatal) throw new Error(`player fatal error: ${s.fatal}`);
      return s && check(s) ? s : undefined;
    },
    timeoutMs,
    250,
  );
}

async function runOne(browser: Browser, segmentSeconds: number, variant: Variant): Promise<RunResult> {
  const env = await testEnv({
    LIUHEN_SEGMENT_SECONDS: String(segmentSeconds),
    LIUHEN_LOG_LEVEL: 'error',
    ...(variant === 'no-data-stream' ? { LIUHEN_FFMPEG: writeWrapper() } : {}),
  });
  const dataDir = env.LIUHEN_DATA_DIR!;
  onCleanup(`data folder ${dataDir}`, () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const server: RunningServer = await startTestServer(env);
  const stopServer = onCleanup('liuhen server', () => server.stop());
  const base = `http://127.0.0.1:${server.httpPort}`;
  const { core } = server;

  const { device, credential } = await core.devices.add({ kind: 'bodycam', officerBadge: 'LAT-1', unit: 'u1', name: '延迟测量 01' }, 'bench');
  await core.users.add({ role: 'commander', unit: 'u1', name: '延迟指挥', badge: 'C-LAT', password: PASSWORD }, 'bench');

  const publisher: StampedPublisher = publishStamped(server.publishUrl(device.id, credential), { gopSeconds: segmentSeconds, seconds: 900 });
  const stopPublisher = onCleanup(`publisher ffmpeg ${publisher.pid}`, () => publisher.stop());
  await waitFor(
    'two sealed segments',
    async () => {
      if (!publisher.running()) throw new Error(`publisher exited: ${publisher.stderr()}`);
      const r = await core.db.selectFrom('recordings').select('segment_count').where('device_id', '=', device.id).executeTakeFirst();
      return (r?.segment_count ?? 0) >= 2;
    },
    45_000,
    100,
  );

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const closeContext = onCleanup('browser context', () => context.close());
  const page = await context.newPage();
  let targetDuration: number | null = null;
  /** segment idx → when the browser had it (first successful response) */
  const fetchedAt = new Map<number, number>();
  page.on('response', (res) => {
    const seg = /\/play\/[^/]+\/[^/]+\/(\d+)\.ts$/.exec(new URL(res.url()).pathname);
    if (seg && res.status() === 200 && !fetchedAt.has(Number(seg[1]))) fetchedAt.set(Number(seg[1]), Date.now());
    if (!/\/play\/[^/]+\/index\.m3u8/.test(new URL(res.url()).pathname)) return;
    void res.text().then(
      (text) => {
        const m = /#EXT-X-TARGETDURATION:(\d+)/.exec(text);
        if (m) targetDuration = Number(m[1]);
      },
      () => undefined,
    );
  });
  await page.goto(`${base}/#/sign-in`);
  await page.fill('[name=badge]', 'C-LAT');
  await page.fill('[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/#\/wall/);
  await page.locator(`[data-testid=feed-tile][data-device-id="${device.id}"] video`).waitFor({ state: 'attached' });
  await page.evaluate(probeSource(device.id, 1000));
  await waitForProbe(page, (s) => s.samples.length > 0, 'the first readable frame on the wall', 40_000);
  await sleep(args.settle * 1000);

  const loadStart = os.loadavg();
  const machine = watchMachine();
  const from = Date.now();
  await sleep(args.seconds * 1000);
  const to = Date.now();
  const machineBusyPercent = machine.stop();
  const loadEnd = os.loadavg();

  const state = (await page.evaluate('window.__latencyProbe')) as ProbeState;
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const durations = await core.db
    .selectFrom('ledger_entries')
    .innerJoin('recordings', 'recordings.id', 'ledger_entries.recording_id')
    .select(['ledger_entries.idx', 'ledger_entries.start_at', 'ledger_entries.duration_ms', 'ledger_entries.sealed_at'])
    .where('recordings.device_id', '=', device.id)
    .where('ledger_entries.kind', '=', 'segment')
    .execute();

  await closeContext();
  await stopPublisher();
  // let the server take in the publisher's going away before it stops
  await sleep(1000);
  await stopServer();

  const inWindow = state.samples.filter((s) => s.displayedAt >= from && s.displayedAt <= to);
  if (inWindow.length === 0) throw new Error(`no readable frame in the window (${state.unreadable} unreadable)`);
  const latencies = inWindow.map(latencyOf);
  const withFigure = inWindow.filter((s) => s.tileFigure !== null);
  const withBuffer = inWindow.filter((s) => s.bufferAhead !== null);
  const latency = stats(latencies);
  // Per segment that ended inside the window: how long after its end (PROGRAM-DATE-TIME clock)
  // it was sealed, and how long after sealing the browser had fetched it.
  const ends = durations.map((d) => ({ idx: d.idx, end: Date.parse(d.start_at) + d.duration_ms, sealed: Date.parse(d.sealed_at) }));
  const ended = ends.filter((d) => d.end >= from - 5000 && d.end <= to);
  const fetched = ended.filter((d) => fetchedAt.has(d.idx));
  return {
    variant,
    segmentSeconds,
    gopFrames: Math.round(segmentSeconds * 25),
    latency,
    tileFigure: stats(withFigure.map((s) => s.tileFigure!)),
    tileMinusTrue: stats(withFigure.map((s) => s.tileFigure! - latencyOf(s))),
    bufferAhead: stats(withBuffer.map((s) => s.bufferAhead!)),
    newestBufferedAge: stats(withBuffer.map((s) => latencyOf(s) - s.bufferAhead!)),
    sealLatencySeconds: sealQuantiles(metrics),
    sealedAfterSegmentEnd: stats(ended.map((d) => (d.sealed - d.end) / 1000)),
    fetchedAfterSealed: stats(fetched.map((d) => (fetchedAt.get(d.idx)! - d.sealed) / 1000)),
    segmentDurations: stats(durations.map((d) => d.duration_ms / 1000)),
    playlistTargetDuration: targetDuration,
    stallsInWindow: state.stalls.filter((t) => t >= from && t <= to).length,
    unreadableFrames: state.unreadable,
    fatalError: state.fatal,
    windowSeconds: (to - from) / 1000,
    loadAverage: { start: loadStart.map((x) => Math.round(x * 100) / 100), end: loadEnd.map((x) => Math.round(x * 100) / 100) },
    machineBusyPercent: Math.round(machineBusyPercent),
    meetsTarget: latency.p90 <= TARGET_SECONDS,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  const browser = await launchChromium();
  onCleanup('Chromium', () => browser.close());
  const results: RunResult[] = [];
  for (const variant of VARIANTS) {
    for (const seg of args.segments) {
      if (interrupted) break;
      process.stderr.write(`${variant}, segments ${seg} s (GOP ${Math.round(seg * 25)} frames): starting liuhen, publisher, wall; ${args.settle} s settle + ${args.seconds} s sampled…\n`);
      results.push(await runOne(browser, seg, variant));
    }
  }
  await cleanupAll();

  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  console.log(
    `\nliuhen glass-to-glass latency, live wall tile in Chromium (player/dist, hls.js), testsrc2 640×360 25 fps, ${args.seconds} s sampled at 1 Hz after ${args.settle} s settle; target ≤ ${TARGET_SECONDS} s`,
  );
  console.log(
    '| liuhen | segment s | GOP | samples | glass-to-glass median / p90 s (min–max) | tile figure median / p90 s | tile − true median s | buffered ahead median s | newest buffered frame age median s | sealed after segment end median s | fetched after sealed median s | seal p50 / p90 s | TARGETDURATION | stalls | load avg 1 min start→end | machine busy % | ≤ 3 s at p90 |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.variant === 'shipped' ? 'as shipped' : 'what-if: segmenter without data stream'} | ${r.segmentSeconds} | ${r.gopFrames} | ${r.latency.n} | ${f(r.latency.median)} / ${f(r.latency.p90)} (${f(r.latency.min)}–${f(r.latency.max)}) | ${f(r.tileFigure.median, 1)} / ${f(r.tileFigure.p90, 1)} | ${f(r.tileMinusTrue.median)} | ${f(r.bufferAhead.median)} | ${f(r.newestBufferedAge.median)} | ${f(r.sealedAfterSegmentEnd.median)} | ${f(r.fetchedAfterSealed.median)} | ${f(r.sealLatencySeconds.p50 ?? NaN, 3)} / ${f(r.sealLatencySeconds.p90 ?? NaN, 3)} | ${r.playlistTargetDuration ?? '–'} | ${r.stallsInWindow} | ${f(r.loadAverage.start[0]!)}→${f(r.loadAverage.end[0]!)} | ${r.machineBusyPercent} | ${r.meetsTarget ? 'yes' : 'no'} |`,
    );
  }
  console.log(
    '\n' +
      JSON.stringify(
        { targetSeconds: TARGET_SECONDS, settleSeconds: args.settle, sampledSeconds: args.seconds, cpus: os.cpus().length, totalRunSeconds: Math.round((Date.now() - started) / 1000), results },
        null,
        2,
      ),
  );
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench:latency failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
// node-media-server and pg/sqlite handles may keep the loop alive after stop; nothing is left to wait for.
process.exit(process.exitCode ?? 0);
