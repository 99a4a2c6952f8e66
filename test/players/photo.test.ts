/**
 * 音像记录 is 照相、录音、录像: an officer's JPEG photo, uploaded over tus like a body camera's file,
 * is sealed as a one-object recording — the bytes as received, EXIF kept — chained and verified,
 * listed as a photo, shown in the replay page under the visible watermark (a picture carries no
 * forensic mark: each view is audited `unmarked: photo`), makes no derivatives, and goes into an
 * evidence package that verifies with sha256sum and openssl.
 * Real server, real ffmpeg, real `liuhen verify`, the worker handlers run directly (no queue).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry, Recording } from '../../server/db/schema.ts';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { exportPackage } from '../../workers/export-package.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { recordingDerive } from '../../workers/recording-derive.ts';
import { segmentDerive } from '../../workers/segment-derive.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { launchChromium } from '../helpers/browser.ts';
import { verifyPackage } from '../helpers/evidence-package.ts';
import { runCli } from '../helpers/cli.ts';
import { apiFetch, rawRequest } from '../helpers/http.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { tusClient } from '../helpers/tus.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-photo-'));

/** A camera's EXIF (big-endian TIFF, IFD0 of ASCII fields) in an APP1 segment, as phones and body cameras write it. */
function exifSegment(fields: Record<number, string>): Buffer {
  const tags = Object.entries(fields).map(([tag, text]) => ({ tag: Number(tag), value: Buffer.from(`${text}\0`, 'latin1') }));
  const ifdSize = 2 + 12 * tags.length + 4;
  const entries: Buffer[] = [];
  const values: Buffer[] = [];
  let valueAt = 8 + ifdSize;
  for (const { tag, value } of tags) {
    const e = Buffer.alloc(12);
    e.writeUInt16BE(tag, 0);
    e.writeUInt16BE(2, 2); // ASCII
    e.writeUInt32BE(value.length, 4);
    if (value.length <= 4) value.copy(e, 8);
    else {
      e.writeUInt32BE(valueAt, 8);
      values.push(value);
      valueAt += value.length;
    }
    entries.push(e);
  }
  const count = Buffer.alloc(2);
  count.writeUInt16BE(tags.length);
  const tiff = Buffer.concat([Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'), count, ...entries, Buffer.alloc(4), ...values]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** The JPEG's APP1 Exif segment, found by walking its markers; undefined if it has none. */
function exifOf(jpeg: Buffer): Buffer | undefined {
  let at = 2; // after SOI
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    const segment = jpeg.subarray(at, end);
    if (jpeg[at + 1] === 0xe1 && segment.subarray(4, 10).toString('latin1') === 'Exif\0\0') return segment;
    at = end;
  }
  return undefined;
}

let env: Record<string, string>;
let server: RunningServer;
let deps: WorkerDeps;
let custodian: SignedIn;
let photo: Buffer;
let recording: Recording;
let entries: LedgerEntry[];

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  env = await testEnv({ LIUHEN_WORKERS: 'off', LIUHEN_QUEUE_PREFIX: `liuhen-test-photo-${process.pid}` });
  server = await startTestServer(env);
  const { core } = server;
  const camera = await core.devices.add({ kind: 'bodycam', officerBadge: 'A1', unit: 'u1' }, 'test');
  const jpeg = execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=800x600', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-']);
  // 0x010f Make, 0x0110 Model, 0x0132 DateTime
  photo = Buffer.concat([jpeg.subarray(0, 2), exifSegment({ 0x010f: 'Liuhen Test Optics', 0x0110: 'DSJ-A1', 0x0132: '2026:12:04 09:30:00' }), jpeg.subarray(2)]);
  const sent = await tusClient(`http://127.0.0.1:${server.httpPort}`).uploadWhole(camera, photo, { startedAt: new Date(Date.now() - 60_000).toISOString(), filename: 'IMG_0001.JPG' });
  expect(sent.body).toMatchObject({ state: 'sealed', error: null, decodeErrors: 0 });
  recording = await core.db.selectFrom('recordings').selectAll().where('id', '=', String(sent.body.recordingId)).executeTakeFirstOrThrow();
  entries = await entriesOf(core.db, recording.id);
  deps = workerDepsOf(core, path.join(scratch, 'work'));
  custodian = await signedInUser(server, 'custodian', 'u1', 'AC1');
}, 90_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const api = (route: string, body?: unknown) => apiFetch(server.httpPort, custodian, route, body);

describe('a photo uploaded by a body camera', () => {
  it('is sealed as a closed one-object recording of the bytes as received, EXIF kept, flagged photo, and verifies', async () => {
    expect(recording).toMatchObject({ origin: 'upload', state: 'closed', gap_count: 0, segment_count: 1, duration_ms: 0 });
    expect(JSON.parse(recording.flags)).toEqual(['photo']);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ kind: 'segment', idx: 1, size: photo.length });
    expect(entry!.object_key).toMatch(/\/segments\/000001\.jpg$/);
    const sealed = await server.core.store.get(entry!.object_key!);
    expect(sealed.equals(photo)).toBe(true);
    expect(exifOf(photo)).toBeDefined();
    expect(exifOf(sealed)?.equals(exifOf(photo)!)).toBe(true);
    expect(exifOf(sealed)!.toString('latin1')).toContain('DSJ-A1');
    const verified = await runCli(['verify', recording.id], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('is listed by the recordings API with its photo flag', async () => {
    const res = await api('recordings');
    expect(res.status).toBe(200);
    const { recordings } = (await res.json()) as { recordings: { id: string; flags: unknown[] }[] };
    expect(recordings.find((r) => r.id === recording.id)?.flags).toContain('photo');
  });

  it('makes no derivatives: the derive jobs finish with nothing to make', async () => {
    const ctx = { jobId: 'job-test-photo', progress: async () => undefined };
    expect(await segmentDerive({ recordingId: recording.id, idx: 1 }, ctx, deps)).toEqual({ made: [] });
    await recordingDerive({ recordingId: recording.id }, ctx, deps);
    expect(await server.core.db.selectFrom('derivatives').select('kind').where('recording_id', '=', recording.id).execute()).toEqual([]);
  });

  it('is shown as sealed through its session, never as a playlist, each view audited as unmarked', async () => {
    const created = await api('playback-sessions', { recordingId: recording.id });
    expect(created.status).toBe(201);
    const session = (await created.json()) as { sessionId: string; playlistUrl: string; photoUrl: string | null; unmarked: unknown };
    expect(session).toMatchObject({ unmarked: 'photo' });
    expect((await rawRequest(server.httpPort, 'GET', session.playlistUrl)).status).toBe(403);
    const shown = await rawRequest(server.httpPort, 'GET', session.photoUrl!);
    expect(shown.status).toBe(200);
    expect(shown.headers['content-type']).toMatch(/^image\/jpeg/);
    expect(shown.body.equals(photo)).toBe(true);
    // The signature names the photo: not another session's, not a tampered one.
    expect((await rawRequest(server.httpPort, 'GET', session.photoUrl!.replace(/sig=[^&]+/, 'sig=x'))).status).toBe(401);
    const audit = await server.core.audit.query({ subject: recording.id });
    const mine = audit.filter((e) => e.session_id === session.sessionId);
    expect(JSON.parse(mine.find((e) => e.action === 'playback.session')!.detail)).toMatchObject({ kind: 'replay', unmarked: 'photo' });
    const view = mine.find((e) => e.action === 'playback.photo' && e.outcome === 'ok')!;
    expect(view).toMatchObject({ object: entries[0]!.object_key, bytes: photo.length });
    expect(JSON.parse(view.detail)).toEqual({ unmarked: 'photo' });
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
    expect(fs.readFileSync(path.join(dir, 'segments', '000001.jpg')).equals(photo)).toBe(true);
    expect(results.some((r) => r.command.includes('sha256sum -c SHA256SUMS'))).toBe(true);
    expect(results.some((r) => r.command.startsWith('openssl pkeyutl -verify'))).toBe(true);
    for (const r of results) expect(r.code, `${r.command}\n${r.output}`).toBe(0);
  });
});

describe('in the browser', () => {
  it('the recordings list marks it 照片, and the replay page shows the picture under the watermark, saying why it is unmarked', async () => {
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
      expect(await row.locator('[data-testid=recording-flags]').getAttribute('data-flags')).toContain('photo');
      expect(await row.locator('[data-testid=recording-flags]').innerText()).toContain('照片');
      await page.goto(`http://127.0.0.1:${server.httpPort}/#/replay/${recording.id}`);
      const picture = page.locator('[data-testid=player] img[data-testid=photo]');
      await picture.waitFor();
      await page.waitForFunction(() => (document.querySelector('[data-testid=photo]') as HTMLImageElement | null)?.naturalWidth === 800);
      // Its load event, which places the watermark on the picture, is dispatched in a task queued by now.
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
      expect(await page.locator('[data-testid=unmarked]').innerText()).toContain('照片');
      // The frame's own watermark, bound to its hidden video, stays hidden: one is shown, the photo's.
      const watermark = page.locator('[data-testid=player] [data-testid=watermark]:not([hidden])');
      expect(await watermark.count()).toBe(1);
      expect(await watermark.isVisible()).toBe(true);
      expect(await watermark.innerText()).toContain('AC1');
      // Over the picture, not the bars beside it: the 4:3 photo is pillarboxed in the 16:9 frame.
      const [img, mark] = await Promise.all([picture.boundingBox(), watermark.boundingBox()]);
      const drawnWidth = (img!.height * 800) / 600;
      const left = img!.x + (img!.width - drawnWidth) / 2;
      expect(mark!.x).toBeGreaterThanOrEqual(left - 1);
      expect(mark!.x + mark!.width).toBeLessThanOrEqual(left + drawnWidth + 1);
      // Measured on the picture, not the box: its lines may take the picture's width, no more.
      expect(Math.abs(parseFloat(await watermark.evaluate((el) => el.style.maxWidth)) - drawnWidth)).toBeLessThanOrEqual(1);
      expect((await page.locator('[data-testid=player]').getAttribute('data-fatal-error')) ?? '').toBe('');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
