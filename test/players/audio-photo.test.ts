/**
 * 音像记录 is 照相、录音、录像: a voice recorder's audio-only M4A, uploaded over tus like a body
 * camera's file, is sealed and chained like video, verifies, is listed as a sound recording,
 * replays from its originals (forensic marks are drawn on pictures: it cannot carry one, and the
 * session says so in the audit), and goes into an evidence package that verifies with sha256sum.
 * Real server, real ffmpeg, real `liuhen verify`, the worker handlers run directly (no queue).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry, Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { exportPackage } from '../../workers/export-package.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { PLAYER_DIST } from '../../server/http/app.ts';
import { launchChromium } from '../helpers/browser.ts';
import { verifyPackage } from '../helpers/evidence-package.ts';
import { waitFor } from '../helpers/wait.ts';
import { recordingDerive } from '../../workers/recording-derive.ts';
import { segmentDerive } from '../../workers/segment-derive.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { runCli } from '../helpers/cli.ts';
import { apiFetch, rawRequest } from '../helpers/http.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { hashWithoutCounters } from '../helpers/served-segment.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { tusClient } from '../helpers/tus.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-audio-'));

let env: Record<string, string>;
let server: RunningServer;
let deps: WorkerDeps;
let custodian: SignedIn;
let recording: Recording;
let segments: LedgerEntry[];

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  env = await testEnv({ LIUHEN_WORKERS: 'off', LIUHEN_QUEUE_PREFIX: `liuhen-test-audio-${process.pid}` });
  server = await startTestServer(env);
  const { core } = server;
  const recorder = await core.devices.add({ kind: 'bodycam', officerBadge: 'A1', unit: 'u1' }, 'test');
  const m4a = path.join(scratch, 'voice.m4a');
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=6', '-c:a', 'aac', '-b:a', '64k', m4a]);
  const sent = await tusClient(`http://127.0.0.1:${server.httpPort}`).uploadWhole(recorder, fs.readFileSync(m4a), {
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    filename: 'VOICE_0001.M4A',
  });
  expect(sent.body).toMatchObject({ state: 'sealed', error: null });
  recording = await core.db.selectFrom('recordings').selectAll().where('id', '=', String(sent.body.recordingId)).executeTakeFirstOrThrow();
  segments = (await entriesOf(core.db, recording.id)).filter((e) => e.kind === 'segment');
  deps = workerDepsOf(core, path.join(scratch, 'work'));
  custodian = await signedInUser(server, 'custodian', 'u1', 'AC1');
}, 90_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const api = (route: string, body?: unknown) => apiFetch(server.httpPort, custodian, route, body);

describe('an audio-only recording uploaded by a voice recorder', () => {
  it('is sealed as a closed recording of its whole length, flagged audio_only, and verifies', async () => {
    expect(recording).toMatchObject({ origin: 'upload', state: 'closed', gap_count: 0 });
    // Decoded whole and intact: no decode_errors from a check that looked for pictures.
    expect(JSON.parse(recording.flags)).toEqual(['audio_only']);
    expect(segments.length).toBeGreaterThan(1);
    expect(recording.duration_ms).toBeGreaterThan(5_500);
    expect(recording.duration_ms).toBeLessThan(6_600);
    // The segments carry the sound and nothing else.
    const first = await server.core.store.get(segments[0]!.object_key!);
    const probed = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', '-i', 'pipe:0'], { input: first }).toString()) as {
      streams: { codec_type: string; codec_name: string }[];
    };
    expect(probed.streams.map((st) => `${st.codec_type}:${st.codec_name}`)).toEqual(['audio:aac']);
    const verified = await runCli(['verify', recording.id], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('is listed by the recordings API with its audio_only flag', async () => {
    const res = await api('recordings');
    expect(res.status).toBe(200);
    const { recordings } = (await res.json()) as { recordings: { id: string; flags: unknown[] }[] };
    expect(recordings.find((r) => r.id === recording.id)?.flags).toContain('audio_only');
  });

  it('makes no picture products: the derive jobs finish with nothing to make', async () => {
    const ctx = { jobId: 'job-test-audio', progress: async () => undefined };
    expect(await segmentDerive({ recordingId: recording.id, idx: segments[0]!.idx }, ctx, deps)).toEqual({ made: [] });
    await recordingDerive({ recordingId: recording.id }, ctx, deps);
    expect(await server.core.db.selectFrom('derivatives').select('kind').where('recording_id', '=', recording.id).execute()).toEqual([]);
  });

  it('replays from its sealed originals, every segment listed at once, the session audited as unmarked', async () => {
    const created = await api('playback-sessions', { recordingId: recording.id });
    expect(created.status).toBe(201);
    const session = (await created.json()) as { sessionId: string; playlistUrl: string; marking: unknown; unmarked: unknown };
    expect(session).toMatchObject({ marking: null, unmarked: 'audio_only' });
    const listed = await rawRequest(server.httpPort, 'GET', session.playlistUrl);
    expect(listed.status).toBe(200);
    const text = listed.body.toString();
    expect(text).toContain('#EXT-X-ENDLIST');
    const base = session.playlistUrl.slice(0, session.playlistUrl.lastIndexOf('/') + 1);
    const urls = text
      .split('\n')
      .filter((l) => l.includes('.ts?'))
      .map((l) => base + l);
    expect(urls.map((u) => Number(/\/(\d+)\.ts\?/.exec(u)![1]))).toEqual(segments.map((e) => e.idx));
    for (const [i, url] of urls.entries()) {
      const served = await rawRequest(server.httpPort, 'GET', url);
      expect(served.status, url).toBe(200);
      expect(hashWithoutCounters(served.body)).toBe(hashWithoutCounters(await server.core.store.get(segments[i]!.object_key!)));
    }
    const audit = await server.core.audit.query({ subject: recording.id });
    expect(JSON.parse(audit.find((e) => e.action === 'playback.session' && e.session_id === session.sessionId)!.detail)).toMatchObject({ kind: 'replay', unmarked: 'audio_only' });
  });

  it('goes into an evidence package that verifies with sha256sum and openssl alone', async () => {
    const res = await api(`recordings/${recording.id}/exports`, { kind: 'package' });
    expect(res.status).toBe(201);
    const { exportId, jobId } = (await res.json()) as { exportId: string; jobId: string };
    await exportPackage({ exportId }, { jobId, progress: async () => undefined }, deps);
    const file = await api(`exports/${exportId}/file`);
    expect(file.status).toBe(200);
    const tarFile = path.join(scratch, `${exportId}.tar`);
    fs.writeFileSync(tarFile, Buffer.from(await file.arrayBuffer()));
    const dir = path.join(scratch, `court-${exportId}`);
    const results = verifyPackage(tarFile, dir);
    for (const s of segments) {
      expect(fs.readFileSync(path.join(dir, 'segments', `${String(s.idx).padStart(6, '0')}.ts`)).equals(await server.core.store.get(s.object_key!))).toBe(true);
    }
    expect(results.some((r) => r.command.includes('sha256sum -c SHA256SUMS'))).toBe(true);
    for (const r of results) expect(r.code, `${r.command}\n${r.output}`).toBe(0);
  });
});

describe('in the browser', () => {
  it('the recordings list marks it 录音, and the replay page plays its sound under a still, saying why it is unmarked', async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
      await page.fill('[name=badge]', 'AC1');
      await page.fill('[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL(/#\/recordings/);
      const row = page.locator(`[data-testid=recording-row][data-recording-id="${recording.id}"]`);
      await row.waitFor();
      expect(await row.locator('[data-testid=recording-flags]').getAttribute('data-flags')).toContain('audio_only');
      expect(await row.locator('[data-testid=recording-flags]').innerText()).toContain('录音');
      await page.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recording.id}`);
      await page.locator('[data-testid=audio-still]').waitFor();
      expect(await page.locator('[data-testid=unmarked]').isVisible()).toBe(true);
      const media = page.locator('[data-testid=player] video');
      await media.evaluate((v: HTMLVideoElement) => {
        v.muted = true;
        void v.play();
      });
      await waitFor('the sound to play on', () => media.evaluate((v: HTMLVideoElement) => v.currentTime > 2), 30_000, 250);
      expect((await page.locator('[data-testid=player]').getAttribute('data-fatal-error')) ?? '').toBe('');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
