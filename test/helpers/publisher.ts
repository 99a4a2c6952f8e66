/**
 * A body camera stand-in: real ffmpeg encoding a lavfi test pattern with a tone (H.264 + AAC,
 * 2 s GOP like a camera set to 2 s keyframes) and publishing it over RTMP.
 */
import { spawn } from 'node:child_process';

export interface Publisher {
  /** resolves with ffmpeg's exit code */
  exited: Promise<number | null>;
  stop(): void;
  stderr(): string;
}

export function publish(url: string, seconds: number, opts: { size?: string; fps?: number } = {}): Publisher {
  const fps = opts.fps ?? 25;
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${opts.size ?? '640x360'}:rate=${fps}`,
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=1000:sample_rate=44100',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-g',
      String(2 * fps),
      '-keyint_min',
      String(2 * fps),
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
  child.stderr.on('data', (d) => (err += d));
  return {
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stop: () => child.kill('SIGKILL'),
    stderr: () => err,
  };
}
