/**
 * npx tsx loadtest/ingest/bench-cutter.ts [--streams 10 --rounds 2]
 *
 * CPU each cutter spends on live streams: `streams` copies of the bench's 20 s 720p camera clip
 * (FLV, H.264 + AAC, ~2 Mbit/s) fed at its own pace, 100 ms at a time as the tap hands them over,
 * through SpoolPart at once; the two cutters take turns for `rounds` rounds, so a shared
 * machine's load falls on both alike. In-process: this process's CPU over the round. ffmpeg: its
 * processes' CPU (-benchmark) plus this process's, which feeds their pipes. Reported per stream
 * as % of a core, and the ratio of the two.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { parseArgs, promisify } from 'node:util';
import { z } from 'zod';
import { SpoolPart } from '../../server/ingest/spool-part.ts';
import type { CutterChoice } from '../../server/media/segmenter-args.ts';
import { segmenterInputOptions, segmenterOutputOptions } from '../../server/media/segmenter-args.ts';
import { sourceClip } from './source-clip.ts';

const CLIP_SECONDS = 20;
const PIECE_MS = 100;

const args = z
  .object({ streams: z.coerce.number().int().positive().default(10), rounds: z.coerce.number().int().positive().default(2) })
  .parse(parseArgs({ options: { streams: { type: 'string' }, rounds: { type: 'string' } } }).values);

/** The clip as a live stream: a piece every 100 ms, the clip's length spread over its duration. */
function paced(clip: Buffer): Readable {
  const out = new PassThrough();
  const piece = Math.ceil(clip.length / ((CLIP_SECONDS * 1000) / PIECE_MS));
  let at = 0;
  const timer = setInterval(() => {
    out.write(clip.subarray(at, at + piece));
    at += piece;
    if (at >= clip.length) {
      clearInterval(timer);
      out.end();
    }
  }, PIECE_MS);
  return out;
}

async function inProcess(clip: Buffer, dir: string): Promise<number> {
  const part = new SpoolPart('bench', 1, dir, new Date());
  await part.start(paced(clip), 'flv', { ffmpegPath: 'ffmpeg', segmentSeconds: 2, cutter: 'in-process' });
  await part.finished;
  if (part.failure) throw part.failure;
  return 0;
}

/** ffmpeg with the segmenter's own arguments; its CPU by -benchmark, printed at the info level the segmenter's -loglevel error hides. */
async function ffmpeg(clip: Buffer, dir: string): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  const input = segmenterInputOptions().map((a, i, all) => (all[i - 1] === '-loglevel' ? 'info' : a));
  const run = promisify(execFile)('ffmpeg', ['-benchmark', ...input, '-f', 'flv', '-i', 'pipe:0', ...segmenterOutputOptions({ segmentSeconds: 2 }), 'seg_%06d.ts'], { cwd: dir });
  paced(clip).pipe(run.child.stdin!);
  const { stdout, stderr } = await run;
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(stdout + stderr);
  if (!m) throw new Error(`no -benchmark line from ffmpeg: ${stderr.slice(-500)}`);
  return (Number(m[1]) + Number(m[2])) * 1000;
}

/** CPU ms of one round: `streams` streams at once through `cutter`. */
async function round(cutter: CutterChoice, clip: Buffer, scratch: string): Promise<number> {
  const before = process.cpuUsage();
  const cut = cutter === 'in-process' ? inProcess : ffmpeg;
  const children = await Promise.all(Array.from({ length: args.streams }, (_, i) => cut(clip, path.join(scratch, `${cutter}-${i}`))));
  const own = process.cpuUsage(before);
  await fs.rm(scratch, { recursive: true, force: true });
  return (own.user + own.system) / 1000 + children.reduce((a, b) => a + b, 0);
}

const clip = await fs.readFile(sourceClip());
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-bench-cutter-'));
const totals = { 'in-process': 0, ffmpeg: 0 };
for (let i = 0; i < args.rounds; i++) {
  for (const cutter of ['in-process', 'ffmpeg'] as const) totals[cutter] += await round(cutter, clip, path.join(scratch, String(i)));
}
await fs.rm(scratch, { recursive: true, force: true });
const perStream = (ms: number) => ((ms / (args.rounds * args.streams * CLIP_SECONDS * 1000)) * 100).toFixed(3);
console.log(`${args.streams} streams at once, ${args.rounds} rounds of ${CLIP_SECONDS} s each`);
console.log('| cutter | CPU % of a core per stream | ratio to ffmpeg |');
console.log('| --- | --- | --- |');
console.log(`| in-process | ${perStream(totals['in-process'])} | ${(totals['in-process'] / totals.ffmpeg).toFixed(2)} |`);
console.log(`| ffmpeg -c copy | ${perStream(totals.ffmpeg)} | 1.00 |`);
