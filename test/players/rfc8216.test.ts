/**
 * One live session URL read over time is one valid, monotonic HLS stream (RFC 8216 §6.2.1):
 * every playlist it serves parses (hls-parser), and across a gap, a new recording of the device,
 * a roll-over and a 360p rendition becoming ready, the target duration never changes, media and
 * discontinuity sequences never go back, and a segment keeps its URI and discontinuity number.
 */
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { apiFetch } from '../helpers/http.ts';
import { cutSegments, openLive, sealAll, SEGMENT_MS } from '../helpers/hls-media.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

let server: RunningServer;
let device: Device;
let url: string;
let segments: Buffer[];

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  const commander = await signedInUser(server, 'commander', 'u1', 'W-1');
  device = (await server.core.devices.add({ kind: 'bodycam', officerBadge: 'P-1', unit: 'u1' }, 'test')).device;
  segments = cutSegments(3);
  const res = await apiFetch(server.httpPort, commander, 'playback-sessions', { deviceId: device.id });
  url = `http://127.0.0.1:${server.httpPort}${((await res.json()) as { playlistUrl: string }).playlistUrl}`;
}, 60_000);
afterAll(async () => server?.stop());

interface Seen {
  uri: string;
  discontinuity: number;
}

/** liuhen's monotonicity rules over every playlist one variant served, in order. */
class Checker {
  private target: number | undefined;
  private lastSequence = -1;
  private lastDiscontinuity = -1;
  private readonly seen = new Map<number, Seen>();
  count = 0;

  check(text: string): void {
    const p = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(p.isMasterPlaylist).toBe(false);
    this.count++;
    this.target ??= p.targetDuration;
    expect(p.targetDuration, 'EXT-X-TARGETDURATION never changes').toBe(this.target);
    expect(p.endlist, 'a live stream does not end').toBe(false);
    expect(p.mediaSequenceBase ?? 0).toBeGreaterThanOrEqual(this.lastSequence);
    expect(p.discontinuitySequenceBase ?? 0).toBeGreaterThanOrEqual(this.lastDiscontinuity);
    this.lastSequence = p.mediaSequenceBase ?? 0;
    this.lastDiscontinuity = p.discontinuitySequenceBase ?? 0;
    for (const s of p.segments) {
      expect(Math.round(s.duration)).toBeLessThanOrEqual(this.target!);
      const now: Seen = { uri: s.uri.split('?')[0]!, discontinuity: s.discontinuitySequence };
      const before = this.seen.get(s.mediaSequenceNumber);
      if (before) expect(now, `segment ${s.mediaSequenceNumber} unchanged`).toEqual(before);
      this.seen.set(s.mediaSequenceNumber, now);
    }
  }
}

const checkers = { original: new Checker(), r360: new Checker() };

async function readAll(): Promise<void> {
  const master = HLS.parse(await (await fetch(url)).text()) as HLS.types.MasterPlaylist;
  expect(master.isMasterPlaylist).toBe(true);
  for (const v of master.variants) {
    const name = v.uri.split('.m3u8')[0] as keyof typeof checkers;
    checkers[name].check(await (await fetch(new URL(v.uri, url))).text());
  }
}

describe('a live session’s playlists over time', () => {
  it('stay valid and monotonic across a gap, a new recording, a roll-over and a rendition', async () => {
    let at = Date.now() - 120_000;
    const next = () => new Date((at += SEGMENT_MS));
    const first = await openLive(server, device, new Date(at));
    for (let i = 0; i < 7; i++) {
      await sealAll(server, first.id, [segments[i % 3]!], next(), i);
      await readAll();
    }
    await server.core.sealer.appendGap(first.id, 'network', new Date(at + SEGMENT_MS), new Date(at + 3 * SEGMENT_MS));
    at += 2 * SEGMENT_MS;
    for (let i = 7; i < 9; i++) {
      await sealAll(server, first.id, [segments[i % 3]!], next(), i);
      await readAll();
    }
    // A new recording of the same device (not a roll-over): its ledger restarts at 1.
    const closed = await server.core.sealer.close(first.id);
    await readAll();
    const second = await openLive(server, device, next());
    await readAll();
    for (let i = 0; i < 3; i++) {
      await sealAll(server, second.id, [segments[i]!], next(), i);
      await readAll();
    }
    // A roll-over continues the second recording's chain.
    const rolled = await openLive(server, device, next(), await server.core.sealer.close(second.id));
    for (let i = 0; i < 3; i++) {
      const entry = await server.core.sealer.sealSegment(rolled.id, { bytes: segments[i]!, startAt: next(), durationMs: SEGMENT_MS, source: `test/${rolled.id}/${i}.ts` });
      // The rendition of each segment becomes ready after the segment is listed.
      await readAll();
      await server.core.db
        .insertInto('derivatives')
        .values({
          recording_id: rolled.id,
          idx: entry.idx,
          kind: 'r360',
          object_key: entry.object_key!,
          sha256: entry.sha256!,
          size: entry.size!,
          source_sha256: entry.sha256!,
          duration_ms: SEGMENT_MS,
          job_id: 'test',
          created_at: new Date().toISOString(),
        })
        .execute();
      await new Promise((r) => setTimeout(r, 300));
      await readAll();
    }
    expect(closed.state).toBe('closed');
    expect(checkers.original.count).toBeGreaterThan(15);
    expect(checkers.r360.count).toBeGreaterThan(0);
  }, 60_000);
});
