/**
 * Replay's 720p: a replay serves only the forensic marked variants (segment-source.ts), and those
 * are scaled to a short side of min(720, the camera's) — so they are the replay's 720p rendition,
 * and a 480p camera is not blown up to 720. Prepared clips sealed directly (no real-time
 * publishing), the segment.derive handler run directly, and ffprobe reading the replay session's
 * playlist over HTTP as a standard client would: what it sees is what a viewer is served.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { segmentDerive } from '../../workers/segment-derive.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { apiFetch } from '../helpers/http.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';

const CAMERAS = [
  { size: '1920x1080', replay: '1280x720' },
  { size: '854x480', replay: '854x480' },
] as const;

let server: RunningServer;
let viewer: SignedIn;
/** camera size → its closed, marked recording */
const recordings = new Map<string, string>();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-replay-720-'));

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  const { core } = server;
  const deps = workerDepsOf(core, scratch);
  viewer = await signedInUser(server, 'custodian', 'u1', 'RC1');
  for (const { size } of CAMERAS) {
    const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: `P-${size}`, unit: 'u1' }, 'test');
    const recording = await sealClip(core, device, preparedClip({ seconds: 2, size }));
    for (const e of (await entriesOf(core.db, recording.id)).filter((e) => e.kind === 'segment')) {
      await segmentDerive({ recordingId: recording.id, idx: e.idx }, { jobId: `job-test-${e.idx}`, progress: async () => undefined }, deps);
    }
    recordings.set(size, recording.id);
  }
}, 120_000);
afterAll(async () => server?.stop());

/** The picture size of every video frame ffprobe decodes from the replay session's playlist. */
async function replayedSizes(recordingId: string): Promise<string[]> {
  const created = await apiFetch(server.httpPort, viewer, 'playback-sessions', { recordingId });
  expect(created.status).toBe(201);
  const { playlistUrl } = (await created.json()) as { playlistUrl: string };
  const { stdout } = await promisify(execFile)(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=width,height', '-of', 'json', `http://127.0.0.1:${server.httpPort}${playlistUrl}`],
    { maxBuffer: 16 << 20 },
  );
  return (JSON.parse(stdout) as { frames: { width: number; height: number }[] }).frames.map((f) => `${f.width}x${f.height}`);
}

describe.each(CAMERAS)('a $size camera', ({ size, replay }) => {
  it(`replays at ${replay}: short side min(720, the camera's), never scaled up`, async () => {
    const sizes = await replayedSizes(recordings.get(size)!);
    expect(sizes.length, 'one 2 s segment at 25 fps').toBe(50);
    expect(new Set(sizes)).toEqual(new Set([replay]));
  });
});
