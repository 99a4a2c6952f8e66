/**
 * Portrait cameras (a phone, a body camera worn sideways): their replay variants and wall
 * renditions are scaled by the short side, never by the height, and never scaled up — a
 * 720×1280 camera replays at 720×1280 with a 360×640 wall tile, a 360×640 one stays 360×640 —
 * so the picture keeps its orientation and its detail. Each camera's clip sealed through the real
 * sealer (what is tested is what is made from it, not ingest), the segment.derive handler and the
 * wall's rendition step run directly, real ffprobe reading what was stored. In Chromium the
 * replay's moving watermark stays on the portrait picture, off the bars beside it.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DerivativeKind, LedgerEntry } from '../../server/db/schema.ts';
import { PLAYER_DIST } from '../../server/http/app.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { makeSegmentProducts, segmentDerive } from '../../workers/segment-derive.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { launchChromium } from '../helpers/browser.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

const CAMERAS = [
  { size: '720x1280', replay: '720x1280', wall: '360x640' },
  { size: '360x640', replay: '360x640', wall: '360x640' },
] as const;

let server: RunningServer;
let browser: Browser | undefined;
let deps: WorkerDeps;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-portrait-'));
/** camera size → its sealed segments */
const recorded = new Map<string, LedgerEntry[]>();

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  const { core } = server;
  deps = workerDepsOf(core, scratch);
  await Promise.all(
    CAMERAS.map(async ({ size }) => {
      const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: `P-${size}`, unit: 'u1' }, 'test');
      const recording = await sealClip(core, device, preparedClip({ seconds: 4, size, tone: true }));
      const segments = (await entriesOf(core.db, recording.id)).filter((e) => e.kind === 'segment');
      for (const e of segments) {
        const ctx = { jobId: `job-test-${e.idx}`, progress: async () => undefined };
        await segmentDerive({ recordingId: e.recording_id, idx: e.idx }, ctx, deps);
        // The wall's rendition, as segment.live makes it for a watched feed.
        await makeSegmentProducts(e, ['r360'], ctx, deps);
      }
      recorded.set(size, segments);
    }),
  );
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** WIDTHxHEIGHT of a stored derivative's video, as ffprobe reads it (display aspect too, so a squeezed picture shows). */
async function sizeOf(e: LedgerEntry, kind: DerivativeKind): Promise<{ size: string; aspect: string }> {
  const row = await server.core.db.selectFrom('derivatives').selectAll().where('recording_id', '=', e.recording_id).where('idx', '=', e.idx).where('kind', '=', kind).executeTakeFirstOrThrow();
  const file = path.join(fs.mkdtempSync(path.join(scratch, 'probe-')), `${kind}.ts`);
  fs.writeFileSync(file, await deps.store.get(row.object_key));
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,display_aspect_ratio', '-of', 'json', file]);
  const [stream] = (JSON.parse(stdout) as { streams: { width: number; height: number; display_aspect_ratio?: string }[] }).streams;
  return { size: `${stream!.width}x${stream!.height}`, aspect: stream!.display_aspect_ratio ?? '9:16' };
}

describe.each(CAMERAS)('a $size portrait camera', ({ size, replay, wall }) => {
  it(`replays at ${replay}: short side min(720, the camera's), orientation and aspect kept, in both marked variants`, async () => {
    const segments = recorded.get(size)!;
    expect(segments.length).toBeGreaterThanOrEqual(2);
    for (const e of segments) {
      for (const kind of ['mark_a', 'mark_b'] as const) expect(await sizeOf(e, kind), `${kind} of segment ${e.idx}`).toEqual({ size: replay, aspect: '9:16' });
    }
  });

  it(`shows on the wall at ${wall}: short side 360, portrait`, async () => {
    for (const e of recorded.get(size)!) expect(await sizeOf(e, 'r360'), `r360 of segment ${e.idx}`).toEqual({ size: wall, aspect: '9:16' });
  });
});

describe('the replay page of a portrait recording', () => {
  it('moves the watermark over the picture, never onto the bars beside it', async () => {
    if (!fs.existsSync(`${PLAYER_DIST}/index.html`)) execFileSync('npm', ['run', 'build:player'], { stdio: 'inherit' });
    await signedInUser(server, 'custodian', 'u1', 'PC-1', { name: '竖屏审看' });
    browser = await launchChromium();
    // A landscape box: the 720×1280 picture fills a centred column, bars left and right.
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const base = `http://127.0.0.1:${server.httpPort}`;
    await page.goto(`${base}/#/sign-in`);
    await page.fill('[name=badge]', 'PC-1');
    await page.fill('[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => !u.hash.includes('sign-in'));
    await page.goto(`${base}/#/replay/${recorded.get('720x1280')![0]!.recording_id}`);
    const video = page.locator('[data-testid=player] video');
    await waitFor('the portrait replay to show its picture', () => video.evaluate((v: HTMLVideoElement) => v.videoWidth > 0 && v.videoHeight > v.videoWidth), 30_000, 250);
    // Sampled across several of its moves (every 4 s): each place must lie within the picture.
    for (let n = 0; n < 3; n++) {
      const placed = await page.evaluate(() => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid=player] video')!;
        const box = v.getBoundingClientRect();
        const scale = Math.min(box.width / v.videoWidth, box.height / v.videoHeight);
        const [w, h] = [v.videoWidth * scale, v.videoHeight * scale];
        const mark = document.querySelector<HTMLElement>('[data-testid=watermark]')!.getBoundingClientRect();
        return {
          picture: { left: box.left + (box.width - w) / 2, right: box.left + (box.width + w) / 2, top: box.top + (box.height - h) / 2, bottom: box.top + (box.height + h) / 2 },
          mark: { left: mark.left, right: mark.right, top: mark.top, bottom: mark.bottom, width: mark.width },
        };
      });
      expect(placed.picture.right - placed.picture.left, 'bars beside the picture').toBeLessThan(800);
      expect(placed.mark.width).toBeGreaterThan(0);
      expect(placed.mark.left).toBeGreaterThanOrEqual(placed.picture.left - 1);
      expect(placed.mark.right).toBeLessThanOrEqual(placed.picture.right + 1);
      expect(placed.mark.top).toBeGreaterThanOrEqual(placed.picture.top - 1);
      expect(placed.mark.bottom).toBeLessThanOrEqual(placed.picture.bottom + 1);
      await page.waitForTimeout(4200);
    }
    expect(await page.locator('[data-testid=watermark]').innerText()).toContain('竖屏审看');
  });
});
