/**
 * The RTSP test camera (test/fixtures/rtsp-camera.py) is a camera ffmpeg reads cleanly: H.264 +
 * AAC over RTSP/TCP, a keyframe every second, Basic auth when asked for, and it can be stopped and
 * started again on the same port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RtspCamera, startRtspCamera } from '../helpers/rtsp-camera.ts';

let dir: string;
const cameras: RtspCamera[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'liuhen-rtsp-camera-'));
});
afterAll(async () => {
  await Promise.all(cameras.map((c) => c.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function camera(opts?: Parameters<typeof startRtspCamera>[0]): Promise<RtspCamera> {
  const c = await startRtspCamera(opts);
  cameras.push(c);
  return c;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    // 'close', not 'exit': only then has all its output been read.
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let n = 0;
/** What a puller does: ffmpeg over RTSP/TCP, stream copy into MPEG-TS. */
async function pull(url: string, seconds: number) {
  const out = join(dir, `out-${++n}.ts`);
  const r = await run('ffmpeg', ['-hide_banner', '-nostdin', '-y', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', url, '-t', String(seconds), '-c', 'copy', '-f', 'mpegts', out]);
  return { ...r, out };
}

async function probe(file: string) {
  const r = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:format=duration', '-of', 'json', file]);
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { streams: { codec_type: string; codec_name: string }[]; format: { duration: string } };
  return { streams: j.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), duration: Number(j.format.duration) };
}

async function keyframeTimes(file: string): Promise<number[]> {
  const r = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .map((l) => l.split(','))
    .filter(([, flags]) => flags?.startsWith('K'))
    .map(([t]) => Number(t));
}

describe('the RTSP test camera', () => {
  it('serves H.264 with a keyframe every second and AAC that ffmpeg copies cleanly', async () => {
    const cam = await camera();
    expect(cam.url).toBe(`rtsp://127.0.0.1:${cam.port}/cam`);
    expect(cam.urlWithCredentials()).toBe(cam.url);
    const r = await pull(cam.url, 4);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Non-monoton|error/i);
    const p = await probe(r.out);
    expect(p.streams).toEqual(['audio:aac', 'video:h264']);
    expect(p.duration).toBeGreaterThan(3.5);
    expect(p.duration).toBeLessThan(4.6);
    const keys = await keyframeTimes(r.out);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < keys.length; i++) expect(keys[i]! - keys[i - 1]!).toBeCloseTo(1, 1);
  });

  it('gives a client that joins later the same live stream without disturbing the first one', async () => {
    const cam = await camera({ path: '/live/cam2' });
    expect(cam.url).toBe(`rtsp://127.0.0.1:${cam.port}/live/cam2`);
    const first = pull(cam.url, 6);
    await new Promise((r) => setTimeout(r, 2500));
    const second = await pull(cam.url, 2);
    expect(second.code, second.stderr).toBe(0);
    const r = await first;
    expect(r.code, r.stderr).toBe(0);
    // A PLAY from the second client must not seek the shared pipeline back to 0.
    expect(r.stderr).not.toMatch(/Non-monoton/);
    expect((await probe(r.out)).duration).toBeGreaterThan(5.5);
    const keys = await keyframeTimes(second.out);
    expect(keys[0]).toBeDefined();
  });

  it('with credentials refuses a wrong or missing password with 401 and serves the right one', async () => {
    const cam = await camera({ user: 'cam-user', password: 'p@ss word' });
    expect(cam.urlWithCredentials()).toBe(`rtsp://cam-user:p%40ss%20word@127.0.0.1:${cam.port}/cam`);

    const wrong = await pull(`rtsp://cam-user:nope@127.0.0.1:${cam.port}/cam`, 2);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401 Unauthorized/);

    const none = await pull(cam.url, 2);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/401 Unauthorized/);

    const right = await pull(cam.urlWithCredentials(), 2);
    expect(right.code, right.stderr).toBe(0);
    expect((await probe(right.out)).streams).toEqual(['audio:aac', 'video:h264']);
  });

  it('stops, refusing connections, and starts again on the same port', async () => {
    const cam = await camera();
    await cam.stop();
    const refused = await pull(cam.url, 1);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Connection refused/);

    await cam.restart();
    const r = await pull(cam.url, 2);
    expect(r.code, r.stderr).toBe(0);
    expect((await probe(r.out)).streams).toEqual(['audio:aac', 'video:h264']);
    await cam.stop();
    await cam.stop(); // idempotent
  });
});
