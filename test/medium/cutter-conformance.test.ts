/**
 * The in-process cutter against ffmpeg's segmenter, on the same FLV streams (made by ffmpeg
 * from lavfi, as cameras would send them): the same segment files (ffprobe reads each, each
 * starts with a keyframe), the same list rows, and the same packets — bytes and timestamps —
 * whether copied out or decoded (framemd5). The streams cover what cameras send: B-frames or
 * none, GOPs shorter and longer than a segment, AAC mono and stereo at camera sample rates,
 * video without audio, parameter sets repeated in band, other sizes and frame rates, and FLV's
 * 32-bit millisecond clock wrapping mid-stream.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentDefect, SpoolPart } from '../../server/ingest/spool-part.ts';
import { SEGMENT_LIST } from '../../server/media/segmenter-args.ts';
import { packetLines } from '../helpers/hls-media.ts';

const run = promisify(execFile);
const SEGMENT_SECONDS = 2;

interface Source {
  name: string;
  seconds: number;
  video: string[];
  audio?: string[];
  /** milliseconds added to every FLV timestamp, modulo 2^32 */
  shiftMs?: number;
}

const SOURCES: Source[] = [
  {
    name: 'B-frames, 1 s GOP, AAC stereo 44.1 kHz',
    seconds: 6,
    video: ['testsrc2=size=320x180:rate=25', '-bf', '2', '-g', '25'],
    audio: ['sine=frequency=440:sample_rate=44100', '-ac', '2'],
  },
  {
    name: 'no B-frames, 3 s GOP, AAC mono 16 kHz',
    seconds: 8,
    video: ['testsrc2=size=640x360:rate=15', '-bf', '0', '-g', '45', '-profile:v', 'baseline'],
    audio: ['sine=frequency=1000:sample_rate=16000', '-ac', '1'],
  },
  {
    name: '720p30 without audio, parameter sets in band',
    seconds: 5,
    video: ['testsrc2=size=1280x720:rate=30', '-bf', '3', '-g', '60', '-x264-params', 'repeat-headers=1'],
  },
  {
    name: 'FLV timestamps wrapping past 2^32 ms, AAC stereo 48 kHz',
    seconds: 6,
    video: ['testsrc2=size=352x288:rate=25', '-bf', '2', '-g', '50'],
    audio: ['sine=frequency=300:sample_rate=48000', '-ac', '2'],
    shiftMs: 2 ** 32 - 2500,
  },
];

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-cutter-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function makeFlv(s: Source, file: string): Promise<void> {
  const [videoSource, ...videoArgs] = s.video;
  const inputs = ['-f', 'lavfi', '-i', videoSource!];
  const [audioSource, ...audioArgs] = s.audio ?? [];
  if (audioSource) inputs.push('-f', 'lavfi', '-i', audioSource);
  const audio = audioSource ? ['-c:a', 'aac', ...audioArgs] : [];
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    ...inputs,
    '-t',
    String(s.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    ...videoArgs,
    ...audio,
    '-f',
    'flv',
    file,
  ]);
  if (s.shiftMs) await fs.writeFile(file, shiftFlvTimestamps(await fs.readFile(file), s.shiftMs));
}

/** Every tag's 32-bit timestamp (24 bits, then the high 8) moved on by `ms`, wrapping as a camera's clock does. */
function shiftFlvTimestamps(flv: Buffer, ms: number): Buffer {
  const out = Buffer.from(flv);
  for (let at = out.readUInt32BE(5) + 4; at + 11 <= out.length; at += 11 + out.readUIntBE(at + 1, 3) + 4) {
    const ts = (((out[at + 7]! << 24) | out.readUIntBE(at + 4, 3)) >>> 0) + ms;
    const wrapped = ts % 2 ** 32;
    out.writeUIntBE(wrapped & 0xffffff, at + 4, 3);
    out[at + 7] = Math.floor(wrapped / 2 ** 24);
  }
  return out;
}

/** Which cut the stream: an ffmpeg's pid, or null for liuhen itself. */
async function segment(flv: string, out: string, cutter: 'in-process' | 'ffmpeg'): Promise<number | null> {
  const part = new SpoolPart('conformance', 1, out, new Date());
  const pid = await part.start(createReadStream(flv, { highWaterMark: 64 << 10 }), 'flv', { ffmpegPath: 'ffmpeg', segmentSeconds: SEGMENT_SECONDS, cutter });
  await part.finished;
  expect(part.failure).toBeUndefined();
  return pid;
}

async function probeSegment(file: string): Promise<{ firstVideoKey: boolean; streams: string[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:packet=stream_index,flags', '-of', 'json', file]);
  const info = JSON.parse(stdout) as { streams: { codec_name: string }[]; packets: { stream_index: number; flags: string }[] };
  const firstVideo = info.packets.find((p) => p.stream_index === 0);
  return { firstVideoKey: firstVideo?.flags.startsWith('K') ?? false, streams: info.streams.map((s) => s.codec_name) };
}

async function framemd5(file: string, copy: boolean): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', file, ...(copy ? ['-map', '0', '-c', 'copy'] : []), '-f', 'framemd5', '-'], { maxBuffer: 64 << 20 });
  return packetLines(stdout);
}

describe.each(SOURCES)('the in-process cutter on $name', (source) => {
  it('writes the segments, list and packets ffmpeg -c copy writes', async () => {
    const slug = source.name.replace(/[^a-z0-9]+/gi, '-');
    const flv = path.join(dir, `${slug}.flv`);
    await makeFlv(source, flv);
    const ours = path.join(dir, slug, 'in-process');
    const theirs = path.join(dir, slug, 'ffmpeg');
    expect(await segment(flv, ours, 'in-process')).toBeNull();
    expect(await segment(flv, theirs, 'ffmpeg')).toBeGreaterThan(0);

    const list = await fs.readFile(path.join(ours, SEGMENT_LIST), 'utf8');
    expect(list).toBe(await fs.readFile(path.join(theirs, SEGMENT_LIST), 'utf8'));
    const files = list
      .trim()
      .split('\n')
      .map((row) => row.split(',')[0]!);
    // at least two cuts, so the boundaries are tested too
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect((await fs.readdir(ours)).sort()).toEqual([...files, SEGMENT_LIST].sort());

    const streams = source.audio ? ['h264', 'aac'] : ['h264'];
    for (const file of files) {
      const a = path.join(ours, file);
      const b = path.join(theirs, file);
      expect(await probeSegment(a), file).toEqual({ firstVideoKey: true, streams });
      expect(await framemd5(a, true), `${file} packets`).toEqual(await framemd5(b, true));
      expect(await framemd5(a, false), `${file} decoded frames`).toEqual(await framemd5(b, false));
    }
  });
});

it('leaves a stream it does not know to ffmpeg, from its first byte', async () => {
  const flv = path.join(dir, 'mp3.flv');
  // a later -c:a wins over makeFlv's aac
  await makeFlv({ name: 'mp3', seconds: 5, video: ['testsrc2=size=320x180:rate=25', '-g', '25'], audio: ['sine', '-c:a', 'libmp3lame', '-ar', '44100'] }, flv);
  const out = path.join(dir, 'mp3');
  expect(await segment(flv, out, 'in-process')).toBeGreaterThan(0);
  const list = await fs.readFile(path.join(out, SEGMENT_LIST), 'utf8');
  const first = list.split(',')[0]!;
  expect(first).toBe('seg_000000.ts');
  expect((await probeSegment(path.join(out, first))).streams).toEqual(['h264', 'mp3']);
});

it('fails the part at a fault in the stream as a failed ffmpeg does, with every listed segment whole', async () => {
  const flv = path.join(dir, 'codec-change.flv');
  await makeFlv({ name: 'codec change', seconds: 6, video: ['testsrc2=size=320x180:rate=25', '-g', '25'] }, flv);
  const bytes = await fs.readFile(flv);
  // the 100th video tag (4 s in) claims another codec: a stream that changed under the cutter
  let videoTags = 0;
  for (let at = bytes.readUInt32BE(5) + 4; at + 11 <= bytes.length; at += 11 + bytes.readUIntBE(at + 1, 3) + 4) {
    if (bytes[at] === 9 && ++videoTags === 100) bytes[at + 11] = (bytes[at + 11]! & 0xf0) | 2;
  }
  await fs.writeFile(flv, bytes);
  const out = path.join(dir, 'codec-change');
  const part = new SpoolPart('conformance', 1, out, new Date());
  expect(await part.start(createReadStream(flv), 'flv', { ffmpegPath: 'ffmpeg', segmentSeconds: SEGMENT_SECONDS, cutter: 'in-process' })).toBeNull();
  await part.finished;
  expect(part.failure?.message).toMatch(/changed codec/);
  const rows = (await fs.readFile(path.join(out, SEGMENT_LIST), 'utf8')).trim().split('\n');
  expect(rows.length).toBeGreaterThanOrEqual(1);
  for (const row of rows) expect(segmentDefect(await fs.readFile(path.join(out, row.split(',')[0]!)))).toBeUndefined();
});
