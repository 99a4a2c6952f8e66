/**
 * A camera stand-in that writes its capture time into the picture.
 *
 * lavfi testsrc2 (25 fps) + a sine tone, paced by `-re`, encoded with libx264 ultrafast
 * zerolatency (GOP = the segment duration, no scene-cut keyframes) and AAC, published as FLV over
 * RTMP — the same shape as test/helpers/publisher.ts, plus a stamp:
 *
 *   settb=1/1000000, setpts=RTCTIME        each frame's pts becomes the wall clock (µs) at the
 *                                          moment the frame enters the filter graph, i.e. right
 *                                          after `-re` released it: its "capture" time
 *   drawbox × (1 + 2 × STAMP_BITS)         a black band, then the low STAMP_BITS bits of that
 *                                          time in milliseconds as white boxes (bit k of row 0 is
 *                                          box k), and row 1 the same bits inverted, as a check
 *   setpts=N*40000, settb=1/25             ordinary 0-based timestamps again for the encoder
 *
 * The band is read back from the browser's <video> with a canvas (page-probe.ts); the boxes are
 * large flat blocks, which H.264 keeps black or white.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { testPatternInputs } from '../../test/helpers/test-pattern.ts';

export const FPS = 25;
export const STAMP_BITS = 24;
/** geometry of the band, in video pixels (the picture is 640×360) */
export const STAMP = { x0: 8, y0: 8, cell: 20, box: 16, rows: 2 } as const;
export const BAND_WIDTH = STAMP.x0 * 2 + STAMP_BITS * STAMP.cell;
export const BAND_HEIGHT = STAMP.y0 * 2 + STAMP.rows * STAMP.cell;

export function stampFilter(): string {
  const boxes: string[] = [`drawbox=x=0:y=0:w=${BAND_WIDTH}:h=${BAND_HEIGHT}:color=black:t=fill`];
  for (let k = 0; k < STAMP_BITS; k++) {
    const bit = `mod(floor(t*1000/${2 ** k}),2)`;
    const x = STAMP.x0 + k * STAMP.cell;
    boxes.push(`drawbox=x=${x}:y=${STAMP.y0}:w=${STAMP.box}:h=${STAMP.box}:color=white:t=fill:enable='${bit}'`);
    boxes.push(`drawbox=x=${x}:y=${STAMP.y0 + STAMP.cell}:w=${STAMP.box}:h=${STAMP.box}:color=white:t=fill:enable='not(${bit})'`);
  }
  return ['settb=1/1000000', 'setpts=RTCTIME', ...boxes, `setpts=N*${1_000_000 / FPS}`, `settb=1/${FPS}`].join(',');
}

export interface StampedPublisher {
  pid: number | undefined;
  /** Date.now() just before ffmpeg was spawned */
  spawnedAt: number;
  exited: Promise<number | null>;
  running(): boolean;
  stop(): Promise<void>;
  stderr(): string;
}

export function publishStamped(url: string, opts: { gopSeconds: number; seconds: number; size?: string }): StampedPublisher {
  const gop = Math.max(1, Math.round(opts.gopSeconds * FPS));
  const spawnedAt = Date.now();
  const child: ChildProcess = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-re',
      ...testPatternInputs(opts.size ?? '640x360', FPS),
      '-t',
      String(opts.seconds),
      '-vf',
      stampFilter(),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-g',
      String(gop),
      '-keyint_min',
      String(gop),
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
      url,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid,
    spawnedAt,
    exited,
    running,
    stop: async () => {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
    stderr: () => err,
  };
}
