/**
 * Media for HLS client tests without real-time publishing: one ffmpeg run cuts a B-frame H.264 +
 * AAC test pattern into 2 s MPEG-TS segments the way the segmenter does (each file starting its
 * continuity counters at 0, timestamps running on), and the sealer seals them as a camera's would.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Device, Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { testPatternInputs } from './test-pattern.ts';

export const SEGMENT_MS = 2000;

/** `count` consecutive 2 s segments of one encoder run (25 fps, GOP 2 s, B-frames, audio). */
export function cutSegments(count: number): Buffer[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-hls-'));
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    ...testPatternInputs('320x180', 25, { tone: { hz: 440, sampleRate: 48_000 } }),
    '-t',
    String((count * SEGMENT_MS) / 1000),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-bf',
    '2',
    '-g',
    '50',
    '-keyint_min',
    '50',
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-f',
    'segment',
    '-segment_time',
    '2',
    '-segment_format',
    'mpegts',
    path.join(dir, '%03d.ts'),
  ]);
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f)));
}

/** Seals `segments` one after another into `recordingId` from `startAt`. */
export async function sealAll(s: RunningServer, recordingId: string, segments: Buffer[], startAt: Date, from = 0): Promise<void> {
  for (const [i, bytes] of segments.entries()) {
    const at = new Date(startAt.getTime() + (from + i) * SEGMENT_MS);
    await s.core.sealer.sealSegment(recordingId, { bytes, startAt: at, durationMs: SEGMENT_MS, source: `test/${recordingId}/${from + i}.ts` });
  }
}

export async function openLive(s: RunningServer, device: Device, startedAt: Date, continues?: Recording): Promise<Recording> {
  return s.core.sealer.openRecording(device, startedAt, {}, continues);
}

export interface Read {
  stderr: string;
  /** framemd5 packet lines (stream, dts, pts, duration, size, hash) */
  packets: string[];
}

export function packetLines(framemd5: string): string[] {
  return framemd5.split('\n').filter((l) => l && !l.startsWith('#'));
}

/** ffmpeg's own reading of `input` copied as packets: what a standard client gets. */
export async function ffmpegPackets(input: string, inputArgs: string[] = []): Promise<Read> {
  const { stdout, stderr } = await promisify(execFile)('ffmpeg', ['-hide_banner', '-v', 'warning', ...inputArgs, '-i', input, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'], {
    maxBuffer: 64 << 20,
  });
  return { stderr, packets: packetLines(stdout) };
}
