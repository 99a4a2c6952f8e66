/**
 * A replay opened the moment a recording closes, before its last segments are marked: the
 * session serves marked variants only — never an original — holding the unmarked tail back with
 * a `marking` state, and plays to the end once the worker has marked it. A camera's clip (ffmpeg)
 * through the real sealer, the segment.derive handler run directly (tests run no queue), real ffmpeg
 * reading the session's playlist over HTTP as a standard client would.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { LedgerEntry } from '../../server/db/schema.ts';
import { markKind } from '../../server/forensic/codeword.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { UrlSigner } from '../../server/playback/url-signer.ts';
import { segmentDerive } from '../../workers/segment-derive.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { apiFetch, rawRequest } from '../helpers/http.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { hashWithoutCounters } from '../helpers/served-segment.ts';

let server: RunningServer;
let deps: WorkerDeps;
let recordingId: string;
let segments: LedgerEntry[];
let viewer: SignedIn;
let session: { sessionId: string; playlistUrl: string; marking: { marked: number; segments: number } | null };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-marked-replay-'));
/** segments the worker has marked before the replay opens: the last ones are still being marked */
const MARKED_FIRST = 2;

const mark = (idx: number) => segmentDerive({ recordingId, idx }, { jobId: `job-test-${idx}`, progress: async () => undefined }, deps);

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  const { core } = server;
  const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'M1', unit: 'u1' }, 'test');
  recordingId = (await sealClip(core, device, preparedClip({ seconds: 8, size: '640x360', tone: true }))).id;
  segments = (await entriesOf(core.db, recordingId)).filter((e) => e.kind === 'segment');
  deps = workerDepsOf(core, scratch);
  viewer = await signedInUser(server, 'custodian', 'u1', 'MC1');
  for (const e of segments.slice(0, MARKED_FIRST)) await mark(e.idx);
  const created = await apiFetch(server.httpPort, viewer, 'playback-sessions', { recordingId });
  expect(created.status).toBe(201);
  session = (await created.json()) as typeof session;
}, 120_000);
afterAll(async () => server?.stop());

async function playlist(): Promise<{ text: string; urls: string[] }> {
  const res = await rawRequest(server.httpPort, 'GET', session.playlistUrl);
  expect(res.status).toBe(200);
  const base = session.playlistUrl.slice(0, session.playlistUrl.lastIndexOf('/') + 1);
  const text = res.body.toString();
  return {
    text,
    urls: text
      .split('\n')
      .filter((l) => l.includes('.ts?'))
      .map((l) => base + l),
  };
}

/**
 * A segment's bytes without its MPEG-TS continuity counters (the low nibble of each 188-byte
 * packet's fourth byte): playback renumbers those to run on across a session's segments, and
 * nothing else.
 */

/** Fetches every URL; each must be the session's codeword variant of its segment, never the original. */
async function expectOnlyMarked(urls: string[]): Promise<void> {
  const codewordKey = server.core.keys.key('forensic-codeword');
  for (const url of urls) {
    const idx = Number(/\/(\d+)\.ts\?/.exec(url)![1]);
    const res = await rawRequest(server.httpPort, 'GET', url);
    expect(res.status, url).toBe(200);
    const served = hashWithoutCounters(res.body);
    const original = segments.find((e) => e.idx === idx)!;
    expect(served, `segment ${idx} is the original`).not.toBe(hashWithoutCounters(await server.core.store.get(original.object_key!)));
    const variant = await server.core.db
      .selectFrom('derivatives')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .where('idx', '=', idx)
      .where('kind', '=', markKind(codewordKey, session.sessionId, idx))
      .executeTakeFirstOrThrow();
    const stored = await server.core.store.get(variant.object_key);
    expect(sha256Hex(stored)).toBe(variant.sha256);
    expect(served, `segment ${idx}`).toBe(hashWithoutCounters(stored));
    expect(variant.source_sha256).toBe(original.sha256);
  }
}

describe('a replay opened before its recording is marked throughout', () => {
  it('says it is marking, and how far it has come', () => {
    expect(segments.length).toBeGreaterThan(MARKED_FIRST);
    expect(session.marking).toEqual({ marked: MARKED_FIRST, segments: segments.length });
  });

  it('lists the marked segments only, as a playlist still growing', async () => {
    const { text, urls } = await playlist();
    expect(urls.map((u) => Number(/\/(\d+)\.ts\?/.exec(u)![1]))).toEqual(segments.slice(0, MARKED_FIRST).map((e) => e.idx));
    expect(urls.every((u) => u.includes('v=mark&'))).toBe(true);
    expect(text).not.toContain('#EXT-X-ENDLIST');
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
  });

  it('serves each listed segment as the session’s marked variant, and refuses an original even with a good signature', async () => {
    await expectOnlyMarked((await playlist()).urls);
    const unmarked = segments.at(-1)!;
    // A URL signed with the server's own key for the original: what an old playlist would have handed out.
    const signer = new UrlSigner(server.core.keys.key('segment-url-hmac'));
    const original = `/play/${session.sessionId}/${recordingId}/${unmarked.idx}.ts?${signer.query(session.sessionId, `${recordingId}/${unmarked.idx}`, new Date(Date.now() + 60_000))}`;
    const res = await rawRequest(server.httpPort, 'GET', original);
    expect(res.status).toBe(403);
    await server.core.audit.flush();
    const refused = (await server.core.audit.query({ action: 'playback.segment' })).filter((e) => e.session_id === session.sessionId && e.outcome === 'refused');
    expect(refused.map((e) => JSON.parse(e.detail).reason)).toEqual(['replay sessions serve marked segments only']);
  });

  it('plays to the end, every frame, once the rest is marked', async () => {
    for (const e of segments.slice(MARKED_FIRST)) await mark(e.idx);
    const { text, urls } = await playlist();
    expect(urls).toHaveLength(segments.length);
    expect(text).toContain('#EXT-X-ENDLIST');
    await expectOnlyMarked(urls);
    // A standard client reads the same session's playlist to its end: as many frames as were sealed.
    // Not execFileSync: the server answering ffmpeg runs in this process.
    const frames = async (source: string, ...input: string[]) =>
      (await promisify(execFile)('ffmpeg', ['-v', 'error', ...input, '-i', source, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-'], { maxBuffer: 64 << 20, timeout: 60_000 })).stdout
        .split('\n')
        .filter((l) => /^\d/.test(l)).length;
    const originals = path.join(scratch, 'originals.ts');
    fs.writeFileSync(originals, Buffer.concat(await Promise.all(segments.map((e) => server.core.store.get(e.object_key!)))));
    const played = await frames(`http://127.0.0.1:${server.httpPort}${session.playlistUrl}`, '-protocol_whitelist', 'http,tcp');
    expect(played).toBeGreaterThan(0);
    expect(played).toBe(await frames(originals));
  });
});
