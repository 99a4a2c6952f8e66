/**
 * Standard HLS clients read a session's playlist as one clean stream: ffmpeg copies every packet
 * of the stored segments — none flagged corrupt, none lost — from a replay and from a live session
 * across a roll-over, and GStreamer's hlsdemux plays a replay to its end. The stored segments each
 * start their continuity counters at 0 (as the segmenter writes them); playback carries them on.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../server/db/schema.ts';
import { derivativeFor } from '../../server/playback/segment-source.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { deriveMarkedVariants } from '../../workers/marked-variants.ts';
import { apiFetch } from '../helpers/http.ts';
import { cutSegments, ffmpegPackets, openLive, packetLines, sealAll, SEGMENT_MS } from '../helpers/hls-media.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let viewer: SignedIn;
let commander: SignedIn;
let device: Device;
let dir: string;
let segments: Buffer[];

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  viewer = await signedInUser(server, 'custodian', 'u1', 'P-1');
  commander = await signedInUser(server, 'commander', 'u1', 'W-1');
  device = (await server.core.devices.add({ kind: 'bodycam', officerBadge: 'P-1', unit: 'u1' }, 'test')).device;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-players-'));
  segments = cutSegments(6);
}, 60_000);
afterAll(async () => server?.stop());

async function session(target: { recordingId: string } | { deviceId: string }): Promise<{ sessionId: string; url: string }> {
  const res = await apiFetch(server.httpPort, 'deviceId' in target ? commander : viewer, 'playback-sessions', target);
  expect(res.status).toBe(201);
  const body = (await res.json()) as { sessionId: string; playlistUrl: string };
  return { sessionId: body.sessionId, url: `http://127.0.0.1:${server.httpPort}${body.playlistUrl}` };
}

/** ffmpeg's packets of stored objects read back to back, counters broken at every boundary as stored. */
async function storedPackets(keys: string[]): Promise<string[]> {
  const file = path.join(dir, `stored-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(file, Buffer.concat(await Promise.all(keys.map((k) => server.core.store.get(k)))));
  return (await ffmpegPackets(file)).packets;
}

async function segmentRows(recordingId: string) {
  return server.core.db.selectFrom('ledger_entries').select(['idx', 'object_key']).where('recording_id', '=', recordingId).where('kind', '=', 'segment').orderBy('idx').execute();
}

describe('a replay session', () => {
  let recordingId: string;
  let replay: { sessionId: string; url: string };
  let stored: string[];

  beforeAll(async () => {
    const startedAt = new Date(Date.now() - 600_000);
    const rec = await openLive(server, device, startedAt);
    await sealAll(server, rec.id, segments, startedAt);
    recordingId = (await server.core.sealer.close(rec.id)).id;
    await deriveMarkedVariants(recordingId, { jobId: 'players', progress: async () => undefined }, workerDepsOf(server.core, path.join(dir, 'work')));
    replay = await session({ recordingId });
    // What this session is served: its codeword's variant of each segment.
    const key = server.core.keys.key('forensic-codeword');
    const keys = [];
    for (const { idx } of await segmentRows(recordingId)) {
      const row = await server.core.db
        .selectFrom('derivatives')
        .select('object_key')
        .where('recording_id', '=', recordingId)
        .where('idx', '=', idx)
        .where('kind', '=', derivativeFor('mark', key, replay.sessionId, idx))
        .executeTakeFirstOrThrow();
      keys.push(row.object_key);
    }
    stored = await storedPackets(keys);
  }, 120_000);

  it('is copied by ffmpeg without a warning, every packet as stored and none dropped as corrupt', async () => {
    const out = path.join(dir, 'replay.ts');
    const { stderr } = await promisify(execFile)('ffmpeg', ['-hide_banner', '-v', 'warning', '-i', replay.url, '-c', 'copy', '-f', 'mpegts', '-y', out]);
    expect(stderr).toBe('');
    expect(fs.statSync(out).size).toBeGreaterThan(0);
    // Packets flagged corrupt (a continuity break) are what +discardcorrupt drops: none may be.
    const read = await ffmpegPackets(replay.url, ['-fflags', '+discardcorrupt']);
    expect(read.stderr).toBe('');
    expect(read.packets.length).toBe(stored.length);
    expect(read.packets).toEqual(stored);
  });

  it('answers a segment with its length and no validator, never to be cached', async () => {
    const playlist = await (await fetch(replay.url)).text();
    const res = await fetch(
      new URL(
        playlist.split('\n').find((l) => l.includes('.ts?'))!,
        replay.url,
      ),
    );
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp2t');
    expect(res.headers.get('content-length')).toBe(String(body.length));
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('etag')).toBeNull();
  });

  it('is played to its end by GStreamer’s hlsdemux, every video frame decoded', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'gst-launch-1.0',
      ['-m', 'souphttpsrc', `location=${replay.url}`, '!', 'hlsdemux', '!', 'tsdemux', '!', 'h264parse', '!', 'avdec_h264', '!', 'fakesink', 'sync=false', 'silent=false', '-v'],
      { maxBuffer: 64 << 20 },
    );
    expect(stderr).not.toMatch(/ERROR|WARN/);
    expect(stdout).toContain('Got EOS');
    const frames = stdout.split('\n').filter((l) => /^\/GstPipeline.*fakesink0: last-message = chain/.test(l)).length;
    expect(frames).toBe((segments.length * SEGMENT_MS * 25) / 1000);
  });
});

describe('a live session', () => {
  it('is copied by ffmpeg across a roll-over without a warning, every packet as stored', async () => {
    const startedAt = new Date();
    const first = await openLive(server, device, startedAt);
    await sealAll(server, first.id, segments.slice(0, 3), startedAt);
    const live = await session({ deviceId: device.id });
    const out = path.join(dir, 'live.md5');
    const ffmpeg: ChildProcess = spawn('ffmpeg', [
      '-nostdin',
      '-hide_banner',
      '-v',
      'warning',
      '-live_start_index',
      '0',
      '-i',
      live.url,
      '-map',
      '0',
      '-c',
      'copy',
      '-flush_packets',
      '1',
      '-f',
      'framemd5',
      '-y',
      out,
    ]);
    let stderr = '';
    ffmpeg.stderr!.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => ffmpeg.on('exit', resolve));
    // A roll-over: the next recording continues the chain, from the same encoder run.
    const closed = await server.core.sealer.close(first.id);
    const second = await openLive(server, device, new Date(startedAt.getTime() + 3 * SEGMENT_MS), closed);
    for (let i = 3; i < segments.length; i++) {
      await new Promise((r) => setTimeout(r, SEGMENT_MS));
      await sealAll(server, second.id, [segments[i]!], startedAt, i);
    }
    const lastKey = (await segmentRows(second.id)).at(-1)!.object_key!;
    await waitFor(
      'ffmpeg to read the last segment',
      () => server.core.db.selectFrom('audit_events').select('seq').where('session_id', '=', live.sessionId).where('object', '=', lastKey).executeTakeFirst(),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    // ffmpeg stops waiting on a live playlist at its second signal (the first only ends the output).
    ffmpeg.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    ffmpeg.kill('SIGINT');
    await exited;
    expect(stderr.split('\n').filter((l) => l && !/Exiting normally|received signal|Immediate exit requested/.test(l))).toEqual([]);
    const keys = [...(await segmentRows(first.id)), ...(await segmentRows(second.id))].map((r) => r.object_key!);
    const stored = await storedPackets(keys);
    const read = packetLines(fs.readFileSync(out, 'utf8'));
    // Stopped on a live playlist, ffmpeg keeps the last few packets in its interleaving queue:
    // what it wrote is the stored packets in order, through every boundary up to the last segment.
    expect(read.length).toBeGreaterThan((await storedPackets(keys.slice(0, -1))).length);
    expect(read).toEqual(stored.slice(0, read.length));
  }, 60_000);
});
