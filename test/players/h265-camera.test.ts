/**
 * A hall camera that sends H.265 (many do by default) is recorded as sent — the originals are
 * H.265, cut at its keyframes, and verify — and the wall plays it in Chromium, which cannot
 * decode H.265, through its H.264 rendition: the original is never offered to the browser.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { launchChromium } from '../helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { apiFetch } from '../helpers/http.ts';
import { entriesOf, recordingsOf, startsWithKeyframe } from '../helpers/recordings.ts';
import { type RtspCamera, startRtspCamera } from '../helpers/rtsp-camera.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let env: Record<string, string>;
let camera: RtspCamera;
let browser: Browser;
let commander: SignedIn;
let deviceId: string;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-h265-'));

beforeAll(async () => {
  if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
  camera = await startRtspCamera({ codec: 'h265' });
  // In-process workers make the 360p H.264 renditions the wall plays, as each segment is sealed while it is watched.
  env = await testEnv({ LIUHEN_WORKERS: 'in-process', LIUHEN_GRACE_SECONDS: '30' });
  server = await startTestServer(env);
  ({
    device: { id: deviceId },
  } = await server.core.devices.add({ kind: 'fixed', unit: 'hall', name: '受理大厅 H.265', rtspUrl: camera.url }, 'test'));
  commander = await signedInUser(server, 'commander', 'hall', 'C-265', { name: '赵指挥' });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await camera?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const codecOf = (bytes: Buffer) => {
  const file = path.join(fs.mkdtempSync(path.join(scratch, 'seg-')), 'seg.ts');
  fs.writeFileSync(file, bytes);
  // ffprobe lists the stream once on its own and once under its program
  const said = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file]).toString();
  return [...new Set(said.split('\n').filter((l) => l.trim()))];
};

describe('an H.265 hall camera', () => {
  it('is recorded as sent: H.265 originals, each starting with a keyframe, that verify', async () => {
    const recording = await waitFor(
      '4 segments of the H.265 camera sealed',
      async () => {
        const [r] = await recordingsOf(server.core.db, deviceId);
        return r && r.segment_count >= 4 ? r : undefined;
      },
      40_000,
    );
    expect((await server.core.devices.get(deviceId)).error).toBeNull();
    const segments = (await entriesOf(server.core.db, recording.id)).filter((e) => e.kind === 'segment');
    for (const s of segments) {
      const bytes = await server.core.store.get(s.object_key!);
      expect(codecOf(bytes), `segment ${s.idx}`).toEqual(['hevc']);
      expect(startsWithKeyframe(bytes), `segment ${s.idx}`).toBe(true);
    }
    const verified = await runCli(['verify', recording.id], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('is offered to a browser through its H.264 rendition only, made once someone watches', async () => {
    const renditions = () =>
      server.core.db
        .selectFrom('derivatives')
        .select('idx')
        .where('kind', '=', 'r360')
        .innerJoin('recordings', 'recordings.id', 'derivatives.recording_id')
        .where('recordings.device_id', '=', deviceId)
        .execute();
    // Nobody has watched it yet: its segments are sealed (and marked for replay), but no wall rendition is made.
    expect(await renditions()).toEqual([]);
    const res = await apiFetch(server.httpPort, commander, 'playback-sessions', { deviceId });
    expect(res.status).toBe(201);
    const { playlistUrl } = (await res.json()) as { playlistUrl: string };
    const loadMaster = async () => (await fetch(`http://127.0.0.1:${server.httpPort}${playlistUrl}`)).text();
    const master = await loadMaster();
    expect(master).toMatch(/^r360\.m3u8\?/m);
    expect(master).not.toMatch(/original/);
    // Loading the live playlist marks the camera watched (reloaded here as a player would): the segments sealed from then on get their rendition.
    await waitFor('renditions of the watched feed', async () => (await loadMaster()) && (await renditions()).length >= 2, 60_000, 1000);
  });

  it('plays on the command-center wall in Chromium, never fetching an H.265 original', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const segmentRequests: string[] = [];
    page.on('request', (req) => {
      if (/\/play\/.+\.ts\b/.test(new URL(req.url()).pathname)) segmentRequests.push(req.url());
    });
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/sign-in`);
    await page.fill('[name=badge]', 'C-265');
    await page.fill('[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/wall/);
    const tile = page.locator(`[data-testid=feed-tile][data-device-id="${deviceId}"]`);
    const video = tile.locator('video');
    const t0 = await waitFor(
      'the H.265 camera to play on the wall',
      async () => {
        const t = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
        return t > 0.5 ? t : undefined;
        // Generous: on a loaded CI machine (the forensic files alongside) the workers making the
        // live H.264 rendition of a 1080p H.265 feed fall behind, and the wall starts late.
      },
      150_000,
      250,
    );
    await page.waitForTimeout(3000);
    expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(t0 + 1.5);
    expect((await tile.locator('[data-testid=player]').first().getAttribute('data-fatal-error')) ?? '').toBe('');
    expect(segmentRequests.length).toBeGreaterThan(0);
    for (const url of segmentRequests) expect(new URL(url).searchParams.get('v'), url).toBe('r360');
    await page.context().close();
  }, 180_000);
});
