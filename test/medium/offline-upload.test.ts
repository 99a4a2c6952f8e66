/**
 * Offline recordings (000 §19, 003 §23): a body camera that recorded without network uploads the
 * file later over tus, resuming after breaks. Real server, real ffmpeg-made MP4s, real ffprobe
 * and ffmpeg checks, real sealing into the local WORM store, checked by the real `liuhen verify`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { entriesOf, recordingsOf } from '../helpers/recordings.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { cameraRecording, type TusCamera, tusClient } from '../helpers/tus.ts';
import { waitFor } from '../helpers/wait.ts';

const HOUR = 3_600_000;

/** A 30 s bodycam recording (helpers/tus.ts cameraRecording), and what goes wrong with such files. */
function makeFixtures(dir: string) {
  const camera = path.join(dir, 'camera.mp4');
  const mp4 = cameraRecording(camera, { seconds: 30, size: '640x360' });
  // The same recording with its index first: cut in half, it still probes as 30 s but half the media is gone.
  const indexFirst = path.join(dir, 'index-first.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', camera, '-c', 'copy', '-movflags', '+faststart', indexFirst]);
  const indexFirstBytes = fs.readFileSync(indexFirst);
  return {
    mp4,
    halfMp4: mp4.subarray(0, Math.floor(mp4.length / 2)),
    halfIndexFirst: indexFirstBytes.subarray(0, Math.floor(indexFirstBytes.length / 2)),
    text: Buffer.from('执法记录仪 offline note: this is not a video.\n'.repeat(40)),
  };
}

let media: ReturnType<typeof makeFixtures>;
beforeAll(() => {
  media = makeFixtures(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-upload-')));
});

describe('offline recordings uploaded over tus', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  let camA: TusCamera;
  let camB: TusCamera;
  let base: string;
  let tus: ReturnType<typeof tusClient>;
  const sealed: string[] = [];
  let stopped = false;

  beforeAll(async () => {
    env = await testEnv({ LIUHEN_UPLOAD_MAX_MB: '12' });
    server = await startTestServer(env);
    camA = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'U3001' }, 'test');
    camB = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'U3002' }, 'test');
    base = `http://127.0.0.1:${server.httpPort}`;
    tus = tusClient(base);
  });
  afterAll(async () => {
    if (!stopped) await server?.stop();
  });

  const recordingOf = async (id: unknown) => (await recordingsOf(server.core.db)).find((r) => r.id === id)!;

  /** Sends `bytes` as the start of a PATCH announcing `announced` bytes, then drops the connection. */
  const brokenPatch = (cam: TusCamera, url: string, offset: number, bytes: Buffer, announced: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(url, {
        method: 'PATCH',
        headers: tus.headers(cam, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), 'Content-Length': String(announced) }),
      });
      req.on('error', () => resolve());
      req.write(bytes, () => setTimeout(() => req.destroy(), 300));
      req.on('close', () => resolve());
    });

  /** A PATCH without Content-Length, its body in chunks: the server learns it is too long only while writing. */
  const chunkedPatch = (cam: TusCamera, url: string, offset: number, chunks: Buffer[]) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(url, { method: 'PATCH', headers: tus.headers(cam, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) }) });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

  it('advertises tus 1.0.0 with creation and termination (of unfinished uploads only: evidence is never deleted)', async () => {
    const res = await fetch(`${base}/api/device/uploads`, { method: 'OPTIONS', headers: tus.headers(camA) });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(res.headers.get('tus-extension')).toBe('creation,termination');
    expect(res.headers.get('tus-max-size')).toBe(String(12 * 1024 * 1024));
    const unversioned = await fetch(`${base}/api/device/uploads`, { method: 'POST', headers: { Authorization: tus.headers(camA).Authorization, 'Upload-Length': '10' } });
    expect(unversioned.status).toBe(412);
  });

  it('a recording sent in three parts, with a pause, a broken connection and a resume, becomes one sealed recording that verifies', async () => {
    const mp4 = media.mp4;
    const startedAt = new Date(Date.now() - 2 * HOUR);
    const sha256 = createHash('sha256').update(mp4).digest('hex');
    const url = await tus.created(camA, mp4.length, { startedAt: startedAt.toISOString(), filename: 'REC_0001.MP4', sha256 });
    const [a, b] = [Math.floor(mp4.length / 3), Math.floor((2 * mp4.length) / 3)];

    const first = await tus.patch(camA, url, 0, mp4.subarray(0, a));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe(String(a));
    await sleep(500);
    expect((await tus.patch(camA, url, a, mp4.subarray(a, b))).status).toBe(204);

    const asked = await tus.head(camA, url);
    expect(asked.status).toBe(200);
    expect(asked.headers.get('upload-offset')).toBe(String(b));
    expect(asked.headers.get('upload-length')).toBe(String(mp4.length));
    expect(asked.headers.get('cache-control')).toBe('no-store');
    expect(asked.headers.get('tus-resumable')).toBe('1.0.0');

    // The camera loses coverage halfway through the last part: what arrived is kept.
    const sent = Math.floor((mp4.length - b) / 2);
    await brokenPatch(camA, url, b, mp4.subarray(b, b + sent), mp4.length - b);
    const resumeAt = Number((await tus.head(camA, url)).headers.get('upload-offset'));
    expect(resumeAt).toBeGreaterThan(b);
    expect(resumeAt).toBeLessThanOrEqual(b + sent);
    // A client that guesses its offset instead of asking is told to ask.
    expect((await tus.patch(camA, url, b, mp4.subarray(b))).status).toBe(409);
    const last = await tus.patch(camA, url, resumeAt, mp4.subarray(resumeAt));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(mp4.length));

    const done = await tus.outcome(camA, url);
    expect(done.body).toMatchObject({ state: 'sealed', error: null, late: false });
    expect(done.recordingHeader).toBe(done.body.recordingId);
    expect((await tus.head(camA, url)).headers.get('liuhen-recording')).toBe(done.body.recordingId);
    const recording = await recordingOf(done.body.recordingId);
    expect(recording).toMatchObject({ origin: 'upload', state: 'closed', late: 0, gap_count: 0, device_id: camA.device.id, officer_badge: 'U3001' });
    expect(recording.started_at).toBe(startedAt.toISOString());
    expect(recording.device_started_at).toBe(startedAt.toISOString());
    expect(recording.upload_deadline).toBe(done.body.deadline);
    expect(Date.parse(recording.upload_deadline!)).toBeGreaterThan(Date.parse(recording.received_at!));
    expect(recording.segment_count).toBeGreaterThan(1);
    expect(recording.duration_ms).toBeGreaterThan(29_500);
    expect(recording.duration_ms).toBeLessThan(30_600);
    const entries = await entriesOf(server.core.db, recording.id);
    expect(entries[0]!.start_at).toBe(startedAt.toISOString());
    expect(entries.every((e) => e.source?.startsWith(`upload:${url.split('/').pop()}/`))).toBe(true);
    sealed.push(recording.id);
  });

  it('a file cut short is refused, and nothing of it reaches the ledger or the store', async () => {
    const before = await server.core.store.list('recordings/');
    const cutBeforeIndex = await tus.uploadWhole(camB, media.halfMp4, { startedAt: new Date().toISOString() });
    expect(cutBeforeIndex.body).toMatchObject({ state: 'refused', error: 'truncated', recordingId: null });
    expect(cutBeforeIndex.recordingHeader).toBeNull();
    const cutAfterIndex = await tus.uploadWhole(camB, media.halfIndexFirst, { startedAt: new Date().toISOString() });
    expect(cutAfterIndex.body).toMatchObject({ state: 'refused', recordingId: null });
    expect(['truncated', 'corrupt']).toContain(cutAfterIndex.body.error);
    expect(await recordingsOf(server.core.db, camB.device.id)).toEqual([]);
    expect(await server.core.store.list('recordings/')).toEqual(before);
  });

  it('a text file is refused as not_media; bytes past Upload-Length are refused and none of them written', async () => {
    const url = await tus.created(camB, media.text.length, { startedAt: new Date().toISOString(), filename: 'note.txt' });
    const overlong = await tus.patch(camB, url, 0, Buffer.concat([media.text, Buffer.from('more')]));
    expect(overlong.status).toBe(413);
    expect(await chunkedPatch(camB, url, 0, [media.text.subarray(0, 100), media.text.subarray(100), Buffer.from('more')])).toBe(413);
    expect((await tus.head(camB, url)).headers.get('upload-offset')).toBe('0');
    expect((await tus.patch(camB, url, 0, media.text)).status).toBe(204);
    expect((await tus.outcome(camB, url)).body).toMatchObject({ state: 'refused', error: 'not_media', recordingId: null });
    expect(await recordingsOf(server.core.db, camB.device.id)).toEqual([]);
  });

  it('a declared checksum that does not match the bytes is refused', async () => {
    const refused = await tus.uploadWhole(camB, media.mp4, { startedAt: new Date().toISOString(), sha256: 'ab'.repeat(32) });
    expect(refused.body).toMatchObject({ state: 'refused', error: 'checksum_mismatch' });
    expect(await recordingsOf(server.core.db, camB.device.id)).toEqual([]);
  });

  it('an upload larger than the limit is refused at creation with 413', async () => {
    const res = await tus.create(camA, 13 * 1024 * 1024, { startedAt: new Date().toISOString() });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'upload_too_large' });
  });

  it('25 h after the recording, with no reason given, it is still sealed — and marked late', async () => {
    const startedAt = new Date(Date.now() - 25 * HOUR);
    const late = await tus.uploadWhole(camA, media.mp4, { startedAt: startedAt.toISOString() });
    expect(late.body).toMatchObject({ state: 'sealed', late: true });
    const recording = await recordingOf(late.body.recordingId);
    expect(recording).toMatchObject({ late: 1, late_reason: null, returned_at: null, origin: 'upload' });
    expect(JSON.parse(recording.flags)).toContain('late_upload');
    expect(Date.parse(recording.upload_deadline!)).toBe(startedAt.getTime() + recording.duration_ms + 24 * HOUR);
    sealed.push(recording.id);
  });

  it('25 h after the recording but 3 h after returning from remote work, it is on time', async () => {
    const returnedAt = new Date(Date.now() - 3 * HOUR);
    const remote = await tus.uploadWhole(camA, media.mp4, {
      startedAt: new Date(Date.now() - 25 * HOUR).toISOString(),
      returnedAt: returnedAt.toISOString(),
      lateReason: '山区巡查，无网络',
    });
    expect(remote.body).toMatchObject({ state: 'sealed', late: false, deadline: new Date(returnedAt.getTime() + 24 * HOUR).toISOString() });
    const recording = await recordingOf(remote.body.recordingId);
    expect(recording).toMatchObject({ late: 0, returned_at: returnedAt.toISOString(), late_reason: '山区巡查，无网络' });
    expect(JSON.parse(recording.flags)).not.toContain('late_upload');
    sealed.push(recording.id);
  });

  it('only the device that created an upload can touch it; a wrong credential gets nothing', async () => {
    const url = await tus.created(camA, media.text.length, { startedAt: new Date().toISOString() });
    expect((await tus.head(camB, url)).status).toBe(404);
    expect((await tus.patch(camB, url, 0, media.text)).status).toBe(404);
    expect((await tus.result(camB, url)).status).toBe(404);
    const forged = { device: camA.device, credential: 'not-the-credential' };
    expect((await tus.create(forged, 10, { startedAt: new Date().toISOString() })).status).toBe(401);
    expect((await tus.head(forged, url)).status).toBe(401);
    expect((await tus.head(camA, url)).headers.get('upload-offset')).toBe('0');
  });

  it('every upload is in the audit log, and the sealed ones verify and are listed with their origin and lateness', async () => {
    const actions = await server.core.db.selectFrom('audit_events').select(['action', 'outcome', 'actor']).where('action', 'like', 'upload.%').execute();
    const count = (action: string) => actions.filter((e) => e.action === action).length;
    expect(count('upload.create')).toBe(8);
    expect(count('upload.sealed')).toBe(3);
    expect(count('upload.refused')).toBe(5); // four checked files and the one too large to start
    expect(actions.filter((e) => e.action === 'upload.request').map((e) => e.actor)).toContain(`device:${camB.device.id}`);

    await server.stop();
    stopped = true;
    const [listed, ...verified] = await Promise.all([runCli(['recordings'], env), ...sealed.map((id) => runCli(['verify', id], env))]);
    for (const v of verified) {
      expect(v.stdout, v.stderr).toMatch(/intact — \d+ segments, 0 gaps, \d+ checkpoints, manifest signature valid/);
      expect(v.code).toBe(0);
    }
    const lines = listed.stdout.trim().split('\n').slice(1);
    expect(lines.filter((l) => l.endsWith('\tupload LATE'))).toHaveLength(1);
    expect(lines.filter((l) => l.endsWith('\tupload'))).toHaveLength(2);
  });
});

describe('kill -9 of the server while it seals an upload', () => {
  let proc: ServerProcess | undefined;
  let db: Db | undefined;
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await db?.destroy();
  });

  it('seals the upload at the next start: one recording, every segment once, and it verifies', async () => {
    const { mp4 } = media;
    // 1 s segments: a longer sealing run to land the kill in. The drain bound of an hour: the SIGTERM
    // at the end must end the server once its work is sealed, not when the bound runs out.
    const env = await testEnv({ LIUHEN_SEGMENT_SECONDS: '0.5', LIUHEN_STOP_DRAIN_SECONDS: '3600' });
    const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', 'U3009'], env);
    expect(added.code, added.stderr).toBe(0);
    const deviceId = /device (\S+)/.exec(added.stdout)![1]!;
    const credential = /[?&]key=([A-Za-z0-9_-]+)/.exec(added.stdout)![1]!;
    const cam: TusCamera = { device: { id: deviceId }, credential };

    proc = await startServerProcess(env);
    db = await openDatabase(`sqlite:${path.join(env.LIUHEN_DATA_DIR!, 'liuhen.sqlite')}`);
    const tus = tusClient(`http://127.0.0.1:${env.LIUHEN_HTTP_PORT}`);
    const url = await tus.created(cam, mp4.length);
    const uploadId = url.split('/').pop()!;
    const sent = await tus.patch(cam, url, 0, new Uint8Array(mp4));
    expect(sent.status).toBe(204);
    await waitFor('the first segments sealed', async () => ((await recordingsOf(db!, deviceId))[0]?.segment_count ?? 0) >= 2, 30_000, 5);
    proc.child.kill('SIGKILL');
    await proc.exited;
    const atKill = (await recordingsOf(db, deviceId))[0]!;

    proc = await startServerProcess(env);
    const upload = await waitFor(
      'the upload to be sealed',
      async () => {
        const u = await db!.selectFrom('uploads').selectAll().where('id', '=', uploadId).executeTakeFirst();
        return u?.state === 'sealed' ? u : undefined;
      },
      30_000,
    );
    const recordings = await recordingsOf(db, deviceId);
    expect(recordings.map((r) => r.id)).toEqual([atKill.id]);
    expect(upload.recording_id).toBe(atKill.id);
    const entries = await entriesOf(db, atKill.id);
    expect(entries.map((e) => e.idx)).toEqual(entries.map((_, i) => i + 1));
    expect(new Set(entries.map((e) => e.source)).size).toBe(entries.length);
    expect(entries.every((e) => e.kind === 'segment')).toBe(true);
    expect(recordings[0]!.state).toBe('closed');
    expect(recordings[0]!.duration_ms).toBeGreaterThan(29_500);
    expect(entries.length).toBeGreaterThan(atKill.segment_count);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    proc = undefined;
    const verified = await runCli(['verify', atKill.id], env);
    expect(verified.stdout, verified.stderr).toMatch(/intact — \d+ segments, 0 gaps/);
    expect(verified.code).toBe(0);
  });
});
