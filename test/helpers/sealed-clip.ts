/**
 * Evidence for tests that are not about ingest: a prepared clip (ffmpeg-made MPEG-TS segments)
 * sealed straight through the real sealer, ledger and store, with no RTMP and no waiting for real
 * time. The recording is closed, chained and signed like a published one: it verifies.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Device, Recording } from '../../server/db/schema.ts';
import type { Sealer } from '../../server/ledger/sealer.ts';
import { ONE_KHZ_TONE, testPatternInputs } from './test-pattern.ts';

export interface ClipSpec {
  seconds: number;
  /** each segment's length; `seconds` is a multiple of it, so every segment lasts that long */
  segmentSeconds?: number;
  /** WxH */
  size?: string;
  /** lossless noise instead of a test pattern: megabytes per frame, for tests that need bulk fast */
  noise?: boolean;
  /** a busy scene instead: the test pattern over a zooming fractal, with film grain (motion and detail everywhere, as a camera sees) */
  scene?: boolean;
  /** a 1 kHz tone as the camera's microphone (AAC), for tests that mute or re-encode the audio */
  tone?: boolean;
}

export interface Clip {
  /** the segment files, in order */
  files: string[];
  segmentMs: number;
}

/** Clips are kept between runs (a noise clip takes seconds to make), one folder per spec. */
const CLIPS_DIR = path.join(os.tmpdir(), 'liuhen-test-clips');

/** The clip's segments, made by ffmpeg once per spec on this machine and reused by every test. */
export function preparedClip(spec: ClipSpec): Clip {
  const { seconds, segmentSeconds = 2, size = '320x180', noise = false, scene = false, tone = false } = spec;
  const dir = path.join(CLIPS_DIR, `${seconds}s-${segmentSeconds}s-${size}${noise ? '-noise' : ''}${scene ? '-scene' : ''}${tone ? '-tone' : ''}`);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(CLIPS_DIR, { recursive: true });
    const making = fs.mkdtempSync(`${dir}.making-`);
    const picture = noise ? 'noise' : scene ? 'scene' : 'pattern';
    // Noise keeps its bulk only uncompressed (qp 0); a key frame every second lets segments cut on time.
    const quality = noise ? ['-qp', '0'] : [];
    const audioCodec = tone ? ['-c:a', 'aac', '-b:a', '64k'] : [];
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      ...testPatternInputs(size, 25, { picture, tone: tone ? ONE_KHZ_TONE : null }),
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      ...quality,
      ...audioCodec,
      '-g',
      '25',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'segment',
      '-segment_time',
      String(segmentSeconds),
      '-segment_format',
      'mpegts',
      path.join(making, '%06d.ts'),
    ]);
    // Test files run in parallel: the first whole clip named wins, a later one goes.
    try {
      fs.renameSync(making, dir);
    } catch {
      fs.rmSync(making, { recursive: true, force: true });
    }
  }
  return {
    files: fs
      .readdirSync(dir)
      .sort()
      .map((f) => path.join(dir, f)),
    segmentMs: segmentSeconds * 1000,
  };
}

/**
 * Seals the clip's segments as one closed recording of `device`, one segment in memory at a time.
 * `times`: the clip over again, for bulk (each copy is a segment of its own: sources, not bytes,
 * are what the sealer keeps unique).
 */
export async function sealClip(core: { sealer: Sealer }, device: Device, clip: Clip, opts: { startedAt?: Date; times?: number } = {}): Promise<Recording> {
  const startedAt = opts.startedAt ?? new Date(Date.now() - 3_600_000);
  const rec = await core.sealer.openRecording(device, startedAt);
  const files = Array.from({ length: opts.times ?? 1 }, () => clip.files).flat();
  for (const [i, file] of files.entries()) {
    const startAt = new Date(startedAt.getTime() + i * clip.segmentMs);
    await core.sealer.sealSegment(rec.id, { bytes: fs.readFileSync(file), startAt, durationMs: clip.segmentMs, source: `test/${rec.id}/${i + 1}.ts` });
  }
  return core.sealer.close(rec.id);
}
