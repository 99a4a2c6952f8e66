/**
 * The camera stand-in's material: 20 s of 720p25 H.264 at ~2 Mbit/s with AAC, keyframe every 2 s
 * like a body camera, encoded once and cached. Publishers loop it with `-c copy`, so the load on
 * the server is the stream, not the encoder.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testPatternInputs } from '../../test/helpers/test-pattern.ts';

export function sourceClip(): string {
  const file = path.join(os.tmpdir(), 'liuhen-bench-720p-2mbit.flv');
  if (fs.existsSync(file)) return file;
  const tmp = `${file}.part`;
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    ...testPatternInputs('1280x720', 25, { tone: { hz: 440, sampleRate: 44_100 } }),
    '-t',
    '20',
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
    tmp,
  ]);
  fs.renameSync(tmp, file);
  return file;
}
