/**
 * A body camera stand-in: ffmpeg publishing a test pattern with a tone over RTMP in real time
 * (H.264 + AAC, 2 s GOP like a camera set to 2 s keyframes). The feed is encoded once per size and
 * frame rate and then looped without re-encoding: a live libx264 encoder cost each camera ~8 % of a
 * core, which a suite running many cameras on two cores could not spare.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { testPatternInputs } from './test-pattern.ts';

export interface Publisher {
  /** resolves with ffmpeg's exit code */
  exited: Promise<number | null>;
  stop(): void;
  stderr(): string;
}

/** 16 s holds a whole number of GOPs (2 s) and of AAC frames (1,024 samples at 48 kHz): the loop joins without a gap or an overlap. */
const FEED_SECONDS = 16;
const SAMPLE_RATE = 48_000;
const AAC_FRAME = 1024;

const feeds = new Map<string, Promise<string>>();

/**
 * The feed's FLV file, kept between runs under the OS temp folder and named by the hash of the
 * ffmpeg command that makes it. Test files run in parallel: each writes its own temp name and the
 * rename makes a whole file appear at once.
 */
function feed(size: string, fps: number): Promise<string> {
  const gop = String(2 * fps);
  // AAC's encoder delay adds one frame ahead of the samples: one frame fewer keeps the audio as long as the video.
  const samples = FEED_SECONDS * SAMPLE_RATE - AAC_FRAME;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...testPatternInputs(size, fps, { tone: { hz: 1000, sampleRate: SAMPLE_RATE } }),
    '-t',
    String(FEED_SECONDS),
    '-af',
    `atrim=end_sample=${samples}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-sc_threshold',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    'flv',
  ];
  const key = createHash('sha256').update(args.join(' ')).digest('hex').slice(0, 16);
  let made = feeds.get(key);
  if (!made) {
    made = (async () => {
      const dir = path.join(os.tmpdir(), 'liuhen-test-clips');
      const file = path.join(dir, `feed-${size}-${fps}fps-${key}.flv`);
      if (fs.existsSync(file)) return file;
      fs.mkdirSync(dir, { recursive: true });
      // unique to this maker, whether test files run as processes or as threads of one
      const making = `${file}.${randomUUID()}.making`;
      try {
        await promisify(execFile)('ffmpeg', [...args, '-y', making]);
        fs.renameSync(making, file);
      } finally {
        fs.rmSync(making, { force: true });
      }
      return file;
    })();
    feeds.set(key, made);
  }
  return made;
}

export function publish(url: string, seconds: number, opts: { size?: string; fps?: number } = {}): Publisher {
  let child: ChildProcess | undefined;
  let stopped = false;
  let err = '';
  const exited = feed(opts.size ?? '640x360', opts.fps ?? 25).then(
    (file) =>
      new Promise<number | null>((resolve) => {
        // stopped before the feed was ready: as if killed at once
        if (stopped) return resolve(null);
        const c = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-t', String(seconds), '-c', 'copy', '-f', 'flv', url], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        child = c;
        c.stderr!.on('data', (d) => (err += d));
        c.on('exit', (code) => resolve(code));
      }),
    (e: Error) => {
      // a feed ffmpeg could not make fails the camera the way a failed ffmpeg would
      err += e.message;
      return 1;
    },
  );
  return {
    exited,
    stop: () => {
      stopped = true;
      child?.kill('SIGKILL');
    },
    stderr: () => err,
  };
}
