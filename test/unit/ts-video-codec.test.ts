import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsVideoCodec } from '../../server/media/ts-video-codec.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-ts-codec-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A short MPEG-TS from real ffmpeg, with audio so the program map lists more than one stream. */
function encoded(videoCodec: string): Buffer {
  const file = path.join(dir, `${videoCodec}.ts`);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x90:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=1000',
    '-t',
    '0.4',
    '-c:v',
    videoCodec,
    ...(videoCodec === 'libx265' ? ['-x265-params', 'log-level=error'] : []),
    '-c:a',
    'aac',
    '-f',
    'mpegts',
    file,
  ]);
  return fs.readFileSync(file);
}

describe('the video codec of an MPEG-TS segment, from its program map', () => {
  it('tells H.265 from H.264 and from other video', () => {
    expect(tsVideoCodec(encoded('libx265'))).toBe('hevc');
    expect(tsVideoCodec(encoded('libx264'))).toBe('h264');
    expect(tsVideoCodec(encoded('mpeg2video'))).toBe('other');
  });

  it('says nothing of bytes with no program map', () => {
    expect(tsVideoCodec(Buffer.alloc(0))).toBeUndefined();
    expect(tsVideoCodec(Buffer.alloc(188 * 4, 0x47))).toBeUndefined();
    // a segment cut short before its program map
    expect(tsVideoCodec(encoded('libx265').subarray(0, 188))).toBeUndefined();
  });
});
