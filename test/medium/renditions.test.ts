/**
 * Renditions, thumbnails and the scrub sprite of a real recording: a camera's clip sealed by
 * liuhen's sealer (derivatives, not ingest, are under test), and the worker handlers (run directly, no queue) make derivatives with real
 * ffmpeg that real ffprobe then reads back.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { Derivative, LedgerEntry, Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import type { JobContext, WorkerDeps } from '../../workers/job-handler.ts';
import { makeSegmentProducts, segmentDerive } from '../../workers/segment-derive.ts';
import { deriveSpriteSheet } from '../../workers/sprite-sheet.ts';
import { entriesOf, startsWithKeyframe } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { hashWithoutCounters } from '../helpers/served-segment.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';

let server: RunningServer;
let deps: WorkerDeps;
let recording: Recording;
let segments: LedgerEntry[];
let custodian: SignedIn;
let outsider: SignedIn;
const progress: number[] = [];
const ctx: JobContext = { jobId: 'job-test', progress: async (p) => void progress.push(p) };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-work-'));

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  const { core } = server;
  const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'R1', unit: 'u1' }, 'test');
  recording = await sealClip(core, device, preparedClip({ seconds: 8, size: '1280x720', tone: true }));
  segments = (await entriesOf(core.db, recording.id)).filter((e) => e.kind === 'segment');
  deps = workerDepsOf(core, scratch);
  custodian = await signedInUser(server, 'custodian', 'u1', 'C1');
  outsider = await signedInUser(server, 'custodian', 'u2', 'C2');
});
afterAll(async () => server?.stop());

const api = (who: SignedIn, file: string) => fetch(`http://127.0.0.1:${server.httpPort}/api/recordings/${recording.id}/${file}`, { headers: { authorization: `Bearer ${who.accessToken}` } });

const derivatives = () => server.core.db.selectFrom('derivatives').selectAll().where('recording_id', '=', recording.id).orderBy('idx').orderBy('kind').execute();

function withFile<T>(bytes: Buffer, name: string, read: (file: string) => T): T {
  const file = path.join(fs.mkdtempSync(path.join(scratch, 'probe-')), name);
  fs.writeFileSync(file, bytes);
  return read(file);
}

const videoPts = (file: string) =>
  execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file])
    .toString()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => parseFloat(l));

const firstPts = (bytes: Buffer) => withFile(bytes, 'o.ts', (file) => Math.min(...videoPts(file)));

function probe(bytes: Buffer) {
  return withFile(bytes, 'r.ts', (file) => {
    const out = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file]).toString()) as {
      format: { duration: string };
      streams: { codec_type: string; codec_name: string; height?: number }[];
    };
    // Decoding every frame, not just reading headers: a broken stream fails here.
    execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
    const pts = videoPts(file);
    return { durationMs: Number(out.format.duration) * 1000, streams: out.streams, firstPts: Math.min(...pts), lastPts: Math.max(...pts) };
  });
}

const imageSize = (bytes: Buffer) => withFile(bytes, 'i.jpg', (file) => execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]).toString().trim());

describe('a closed recording of a 720p camera', () => {
  it('answers not_ready for its thumbnails until the sprite is made', async () => {
    const res = await api(custodian, 'thumbnails.vtt');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_ready' });
  });

  it('gets a 360p rendition per segment that decodes, starts with a keyframe, keeps its timestamps and names its original', async () => {
    expect(segments.length).toBeGreaterThanOrEqual(3);
    for (const e of segments) await segmentDerive({ recordingId: recording.id, idx: e.idx }, ctx, deps);
    expect(progress.at(-1)).toBe(100);
    // The wall's renditions, as segment.live makes them for a watched feed (watched-renditions.test.ts says when).
    for (const e of segments) expect(await makeSegmentProducts(e, ['r360'], ctx, deps)).toEqual(['r360']);

    const rows = await derivatives();
    let total = 0;
    let previous: ReturnType<typeof probe> | undefined;
    for (const e of segments) {
      const r360 = rows.find((d) => d.idx === e.idx && d.kind === 'r360')!;
      const thumb = rows.find((d) => d.idx === e.idx && d.kind === 'thumb')!;
      expect(r360.source_sha256).toBe(e.sha256);
      expect(thumb.source_sha256).toBe(e.sha256);
      const bytes = await deps.store.get(r360.object_key);
      expect(sha256Hex(bytes)).toBe(r360.sha256);
      const p = probe(bytes);
      expect(p.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', height: 360 });
      expect(p.streams.some((s) => s.codec_type === 'audio')).toBe(true);
      expect(startsWithKeyframe(bytes), `rendition ${e.idx}`).toBe(true);
      expect(p.firstPts).toBeCloseTo(firstPts(await deps.store.get(e.object_key!)), 3);
      // Seamless: each rendition's first frame follows the previous one's last by one frame (25 fps).
      if (previous) expect(p.firstPts - previous.lastPts).toBeCloseTo(0.04, 3);
      previous = p;
      total += p.durationMs;
      expect(imageSize(await deps.store.get(thumb.object_key))).toBe('160,90');
    }
    expect(Math.abs(total - recording.duration_ms)).toBeLessThanOrEqual(recording.duration_ms * 0.05);
  });

  it('are what the command wall plays once they exist', async () => {
    const commander = await signedInUser(server, 'commander', 'u1', 'W1');
    const base = `http://127.0.0.1:${server.httpPort}`;
    const created = await fetch(`${base}/api/playback-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${commander.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: recording.device_id }),
    });
    expect(created.status).toBe(201);
    const { playlistUrl } = (await created.json()) as { playlistUrl: string };
    // A live session's index is a master playlist; the wall plays its lightest variant.
    const master = new URL(playlistUrl, base);
    const variants = [...(await (await fetch(master)).text()).matchAll(/^#EXT-X-STREAM-INF:BANDWIDTH=(\d+),NAME="([^"]+)"\n(\S+)$/gm)].map((m) => ({
      bandwidth: Number(m[1]),
      name: m[2]!,
      url: new URL(m[3]!, master),
    }));
    expect(variants.map((v) => v.name).sort()).toEqual(['original', 'r360']);
    const lightest = variants.reduce((a, b) => (b.bandwidth < a.bandwidth ? b : a));
    expect(lightest.name).toBe('r360');
    const uris = (await (await fetch(lightest.url)).text()).split('\n').filter((l) => l && !l.startsWith('#'));
    expect(uris.length).toBeGreaterThan(0);
    const rows = await derivatives();
    for (const uri of uris) {
      expect(uri).toContain('v=r360&');
      const idx = Number(/\/(\d+)\.ts\?/.exec(uri)![1]);
      const served = Buffer.from(await (await fetch(new URL(uri, lightest.url))).arrayBuffer());
      const r360 = rows.find((d) => d.idx === idx && d.kind === 'r360')!;
      const stored = await deps.store.get(r360.object_key);
      expect(sha256Hex(stored)).toBe(r360.sha256);
      // The stored rendition, byte for byte but for the continuity counters playback runs on.
      expect(hashWithoutCounters(served), `segment ${idx}`).toBe(hashWithoutCounters(stored));
    }
  });

  it('gets a sprite sheet whose WebVTT cues are contiguous and cover the whole recording', async () => {
    await deriveSpriteSheet(recording.id, ctx, deps);
    const rows = await derivatives();
    const sprite = rows.find((d) => d.idx === 0 && d.kind === 'sprite')!;
    const vtt = rows.find((d) => d.idx === 0 && d.kind === 'sprite_vtt')!;
    expect(sprite.source_sha256).toBe(recording.head_link);
    expect(vtt.source_sha256).toBe(recording.head_link);

    const columns = Math.min(10, segments.length);
    expect(imageSize(await deps.store.get(sprite.object_key))).toBe(`${columns * 160},${Math.ceil(segments.length / 10) * 90}`);

    const text = (await deps.store.get(vtt.object_key)).toString();
    expect(text.startsWith('WEBVTT\n')).toBe(true);
    const ms = (t: string) => t.split(':').reduce((acc, part) => acc * 60 + Number(part), 0) * 1000;
    const cues = [...text.matchAll(/^(\S+) --> (\S+)\nsprite\.jpg#xywh=(\d+),(\d+),160,90$/gm)].map((m) => ({ start: ms(m[1]!), end: ms(m[2]!) }));
    expect(cues.length).toBe(segments.length);
    expect(cues[0]!.start).toBe(0);
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBeCloseTo(cues[i - 1]!.end, 6);
    expect(Math.abs(cues.at(-1)!.end - recording.duration_ms)).toBeLessThanOrEqual(recording.duration_ms * 0.05);
  });

  it('serves the track and the sheet to a viewer the replay policy allows, auditing each read', async () => {
    const rows = await derivatives();
    const vttRes = await api(custodian, 'thumbnails.vtt');
    expect(vttRes.status).toBe(200);
    expect(vttRes.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(await vttRes.text()).toBe((await deps.store.get(rows.find((d) => d.kind === 'sprite_vtt')!.object_key)).toString());
    const jpgRes = await api(custodian, 'sprite.jpg');
    expect(jpgRes.status).toBe(200);
    expect(jpgRes.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256Hex(Buffer.from(await jpgRes.arrayBuffer()))).toBe(rows.find((d) => d.kind === 'sprite')!.sha256);

    expect((await api(outsider, 'sprite.jpg')).status).toBe(403);
    const events = await server.core.db
      .selectFrom('audit_events')
      .selectAll()
      .where('subject', '=', recording.id)
      .where('action', 'in', ['recording.thumbnails', 'recording.sprite'])
      .orderBy('seq')
      .execute();
    expect(events.map((e) => [e.action, e.actor, e.outcome])).toEqual([
      ['recording.thumbnails', `user:${custodian.userId}`, 'refused'],
      ['recording.thumbnails', `user:${custodian.userId}`, 'ok'],
      ['recording.sprite', `user:${custodian.userId}`, 'ok'],
      ['recording.sprite', `user:${outsider.userId}`, 'refused'],
    ]);
    expect(events[2]!.bytes).toBeGreaterThan(1000);
  });

  it('changes nothing when every handler runs again', async () => {
    const before: Derivative[] = await derivatives();
    for (const e of segments) expect(await segmentDerive({ recordingId: recording.id, idx: e.idx }, ctx, deps)).toEqual({ made: [] });
    await deriveSpriteSheet(recording.id, ctx, deps);
    expect(await derivatives()).toEqual(before);
    expect(fs.readdirSync(scratch).filter((f) => f.startsWith('job-'))).toEqual([]);
  });
});
