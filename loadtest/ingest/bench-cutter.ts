/**
 * npx tsx loadtest/ingest/bench-cutter.ts [--reps 10]
 *
 * CPU each cutter spends on the same stream: the bench's 20 s 720p camera clip (FLV, H.264 +
 * AAC) through SpoolPart as fast as it goes, in 100 ms pieces as the tap hands them over, `reps`
 * times per cutter, the two cutters taking turns so a shared machine's load falls on both alike.
 * In-process: this process's CPU while it cuts. ffmpeg: its own CPU (-benchmark) plus this
 * process's, which reads the file and writes the pipe. Reported per second of video, and the
 * ratio of the two.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { z } from 'zod';
import { SpoolPart } from '../../server/ingest/spool-part.ts';
import { segmenterInputOptions, segmenterOutputOptions } from '../../server/media/segmenter-args.ts';
import { sourceClip } from './source-clip.ts';

const CLIP_SECONDS = 20;
/** ~100 ms of a 2 Mbit/s stream: what the tap writes at once */
const PIECE_BYTES = 25_000;

const args = z.object({ reps: z.coerce.number().int().positive().default(10) }).parse(parseArgs({ options: { reps: { type: 'string' } } }).values);

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function inProcess(clip: string, dir: string): Promise<number> {
  const before = process.cpuUsage();
  const part = new SpoolPart('bench', 1, dir, new Date());
  await part.start(createReadStream(clip, { highWaterMark: PIECE_BYTES }), 'flv', { ffmpegPath: 'ffmpeg', segmentSeconds: 2, cutter: 'in-process' });
  await part.finished;
  if (part.failure) throw part.failure;
  return cpuMs(before);
}

/** ffmpeg with the segmenter's own arguments, fed through a pipe as the tap feeds it. */
async function ffmpeg(clip: string, dir: string): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  const before = process.cpuUsage();
  // -benchmark's line is printed at the info level, which the segmenter's -loglevel error hides
  const input = segmenterInputOptions().map((a, i, all) => (all[i - 1] === '-loglevel' ? 'info' : a));
  const run = promisify(execFile)('ffmpeg', ['-benchmark', ...input, '-f', 'flv', '-i', 'pipe:0', ...segmenterOutputOptions({ segmentSeconds: 2 }), 'seg_%06d.ts'], { cwd: dir });
  createReadStream(clip, { highWaterMark: PIECE_BYTES }).pipe(run.child.stdin!);
  const { stdout, stderr } = await run;
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(stdout + stderr);
  if (!m) throw new Error(`no -benchmark line from ffmpeg: ${stderr.slice(-500)}`);
  return cpuMs(before) + (Number(m[1]) + Number(m[2])) * 1000;
}

const clip = sourceClip();
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-bench-cutter-'));
const totals = { 'in-process': 0, ffmpeg: 0 };
try {
  for (let i = 0; i < args.reps; i++) {
    totals['in-process'] += await inProcess(clip, path.join(scratch, `in-process-${i}`));
    totals.ffmpeg += await ffmpeg(clip, path.join(scratch, `ffmpeg-${i}`));
    await fs.rm(path.join(scratch, `in-process-${i}`), { recursive: true });
    await fs.rm(path.join(scratch, `ffmpeg-${i}`), { recursive: true });
  }
} finally {
  await fs.rm(scratch, { recursive: true, force: true });
}
const video = args.reps * CLIP_SECONDS;
const perSecond = (ms: number) => (ms / video).toFixed(2);
console.log(`| cutter | CPU ms per second of 720p video | ratio to ffmpeg |`);
console.log(`| --- | --- | --- |`);
console.log(`| in-process | ${perSecond(totals['in-process'])} | ${(totals['in-process'] / totals.ffmpeg).toFixed(2)} |`);
console.log(`| ffmpeg -c copy | ${perSecond(totals.ffmpeg)} | 1.00 |`);
