/**
 * npm run bench:transcode [-- --segments 20 --rounds 2 --seconds 20 --max-streams 16]
 *
 * A 720p25 camera clip (lavfi, ~2 Mbit/s, keyframe every 2 s) cut into 2 s TS segments with liuhen's
 * own segmenter arguments. Then:
 * (a) the segment.live handler's rendition step (`transcodeSegment`: runFfmpeg → fluent-ffmpeg)
 *     against (b) the bare `ffmpeg` command line with the same arguments on the same segment,
 *     alternating which goes first; the figure is the median of the per-segment ratios a/b;
 * (c) N loops of the handler step in parallel, each rendering segment after segment, N = 1, 2, …
 *     until a loop renders less than one second of video per second of wall time: that N no longer
 *     keeps up with N live cameras.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { SEGMENT_PATTERN, segmenterOutputOptions } from '../../server/media/segmenter-args.ts';
import { testPatternInputs } from '../../test/helpers/test-pattern.ts';
import { segmentProductsCommand, transcodeSegment } from '../../workers/segment-derive.ts';
import { watchMachine } from '../lib/process-tree.ts';

const SEGMENT_SECONDS = 2;
const FFMPEG = 'ffmpeg';

const args = z
  .object({
    segments: z.coerce.number().int().min(2).default(20),
    rounds: z.coerce.number().int().min(1).default(2),
    seconds: z.coerce.number().int().min(5).default(20),
    'max-streams': z.coerce.number().int().min(1).default(16),
  })
  .parse(parseArgs({ options: { segments: { type: 'string' }, rounds: { type: 'string' }, seconds: { type: 'string' }, 'max-streams': { type: 'string' } } }).values);

/** CPU of every child this process has reaped (ms): ffmpeg's own time, whoever spawned it. */
function reapedChildrenCpuMs(): number {
  const text = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

function cameraSegments(dir: string, count: number): string[] {
  const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  execFileSync(
    FFMPEG,
    [
      ...quiet,
      ...testPatternInputs('1280x720', 25, { tone: { hz: 440, sampleRate: 44_100 } }),
      '-t',
      String(count * SEGMENT_SECONDS),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-b:v',
      '2M',
      '-maxrate',
      '2.2M',
      '-bufsize',
      '4M',
      '-g',
      '50',
      '-keyint_min',
      '50',
      '-sc_threshold',
      '0',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      '-f',
      'flv',
      'camera.flv',
    ],
    { cwd: dir },
  );
  execFileSync(FFMPEG, [...quiet, '-i', 'camera.flv', ...segmenterOutputOptions({ segmentSeconds: SEGMENT_SECONDS }), SEGMENT_PATTERN], { cwd: dir });
  return fs
    .readdirSync(dir)
    .filter((f) => /^seg_\d{6}\.ts$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** (b): what an operator would type, with the arguments fluent-ffmpeg builds for (a), in its order. */
function bareFfmpeg(input: string, dir: string): Promise<void> {
  const { inputOptions, outputOptions, output } = segmentProductsCommand(['r360']);
  const child = spawn(FFMPEG, [...inputOptions, '-i', input, '-y', ...outputOptions, output], { cwd: dir, stdio: 'ignore' });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`)))));
}

/** A folder of its own for a series of runs, each writing its rendition there (r360.ts). */
function folderIn(dir: string, name: string): string {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

async function timed(run: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = reapedChildrenCpuMs();
  const t = performance.now();
  await run();
  return { wallMs: performance.now() - t, cpuMs: reapedChildrenCpuMs() - cpu };
}

async function handlerVsBare(segments: string[], dir: string) {
  const [warm, intoA, intoB] = ['warm', 'a', 'b'].map((name) => folderIn(dir, name)) as [string, string, string];
  // fluent-ffmpeg asks ffmpeg for its formats and encoders once per process; a worker pays that once.
  await transcodeSegment(FFMPEG, ['r360'], segments[0]!, warm);
  await bareFfmpeg(segments[0]!, warm);
  const a: { wallMs: number; cpuMs: number }[] = [];
  const b: { wallMs: number; cpuMs: number }[] = [];
  const ratios: number[] = [];
  let i = 0;
  for (let round = 0; round < args.rounds; round++) {
    for (const seg of segments) {
      const viaHandler = () => timed(() => transcodeSegment(FFMPEG, ['r360'], seg, intoA));
      const viaBare = () => timed(() => bareFfmpeg(seg, intoB));
      let x, y;
      if (i++ % 2 === 0) {
        x = await viaHandler();
        y = await viaBare();
      } else {
        y = await viaBare();
        x = await viaHandler();
      }
      a.push(x);
      b.push(y);
      ratios.push(x.wallMs / y.wallMs);
    }
  }
  return { a, b, ratios };
}

/** N loops render back to back for the window; each loop's pace is seconds of video per second of wall time. */
async function parallelLoops(n: number, segments: string[], dir: string) {
  const until = performance.now() + args.seconds * 1000;
  const machine = watchMachine();
  const cpu = reapedChildrenCpuMs();
  const loops = await Promise.all(
    Array.from({ length: n }, async (_, loop) => {
      const into = folderIn(dir, `loop-${loop}`);
      const started = performance.now();
      let done = 0;
      for (let k = loop; performance.now() < until; k++) {
        await transcodeSegment(FFMPEG, ['r360'], segments[k % segments.length]!, into);
        done++;
      }
      return { done, pace: (done * SEGMENT_SECONDS) / ((performance.now() - started) / 1000) };
    }),
  );
  const renders = loops.reduce((s, l) => s + l.done, 0);
  return { n, slowest: Math.min(...loops.map((l) => l.pace)), total: loops.reduce((s, l) => s + l.pace, 0), cpuMsPerSegment: (reapedChildrenCpuMs() - cpu) / renders, busy: machine.stop() };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-transcode-'));
try {
  const segments = cameraSegments(dir, args.segments);
  const cores = os.cpus().length;
  console.log(`${segments.length} segments of ${SEGMENT_SECONDS} s, 720p25 H.264 ~2 Mbit/s + AAC → 360p rendition (${os.cpus()[0]?.model}, ${cores} cores, load ${os.loadavg()[0]!.toFixed(2)})\n`);

  const { a, b, ratios } = await handlerVsBare(segments, dir);
  const row = (name: string, xs: { wallMs: number; cpuMs: number }[]) =>
    `| ${name} | ${xs.length} | ${median(xs.map((x) => x.wallMs)).toFixed(0)} | ${p90(xs.map((x) => x.wallMs)).toFixed(0)} | ${median(xs.map((x) => x.cpuMs)).toFixed(0)} |`;
  console.log('| one segment | runs | wall ms p50 | wall ms p90 | ffmpeg CPU ms p50 |\n|---|---|---|---|---|');
  console.log(row('(a) handler step: runFfmpeg / fluent-ffmpeg', a));
  console.log(row('(b) bare ffmpeg command line', b));
  console.log(`\nmedian ratio a/b = ${median(ratios).toFixed(3)} (target ≤ 1.1; p90 ${p90(ratios).toFixed(3)})\n`);

  const cpuPerSegment = median(a.map((x) => x.cpuMs));
  console.log(`from CPU: ${cores} cores × ${SEGMENT_SECONDS} s ÷ ${cpuPerSegment.toFixed(0)} ms per segment = ${((cores * SEGMENT_SECONDS * 1000) / cpuPerSegment).toFixed(1)} streams\n`);
  console.log('| N loops | slowest loop (video s / wall s) | all loops | ffmpeg CPU ms / segment | machine busy % | keeps up |\n|---|---|---|---|---|---|');
  let kept = 0;
  for (let n = 1; n <= args['max-streams']; n++) {
    const r = await parallelLoops(n, segments, dir);
    const keepsUp = r.slowest >= 1;
    console.log(`| ${n} | ${r.slowest.toFixed(2)} | ${r.total.toFixed(2)} | ${r.cpuMsPerSegment.toFixed(0)} | ${r.busy.toFixed(0)} | ${keepsUp ? 'yes' : 'no'} |`);
    if (!keepsUp) break;
    kept = n;
  }
  console.log(`\nlive 720p streams this machine keeps 360p renditions for in real time: ${kept}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
