/**
 * Redaction of a real recording: a camera's clip (test pattern and a 1 kHz tone) is sealed
 * through the real sealer (redaction is not about ingest), a custodian asks for a redaction over
 * the real HTTP API, and the worker handler (run directly, no queue) makes it with real ffmpeg.
 * The originals and the redacted `plain` segments are then decoded with ffmpeg, frame by frame
 * and sample by sample, and compared.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import { verifySignature } from '../../server/crypto/signing-key.ts';
import { JobRepository } from '../../server/db/job-repository.ts';
import type { Export, LedgerEntry, Recording, RedactedVariant } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { RecordingVerification } from '../../server/ledger/verify.ts';
import { redactionManifestSchema, signatureKeyOf } from '../../server/redaction/redaction-manifest.ts';
import { exportPartyCopy } from '../../workers/export-party-copy.ts';
import type { JobContext, WorkerDeps } from '../../workers/job-handler.ts';
import { recordingRedact } from '../../workers/redact-recording.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { apiFetch } from '../helpers/http.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';

const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
const SAMPLE_RATE = 44_100;

/** The marks: a rectangle over colour-bar edges and the moving gradient, and a muted stretch. */
// Both cross a segment boundary (2 s segments): each segment maps them on its own timestamps.
const BLUR = { x: 0.25, y: 0.25, w: 0.25, h: 0.3, fromMs: 1000, toMs: 3500 };
const MUTE = { fromMs: 2500, toMs: 4500 };
const RECT = { x0: WIDTH * BLUR.x, y0: HEIGHT * BLUR.y, x1: WIDTH * (BLUR.x + BLUR.w), y1: HEIGHT * (BLUR.y + BLUR.h) };
/**
 * testsrc2 draws a patch of fresh random noise in every frame (lower right), which no encoder
 * keeps: two encodes differ there by tens of levels with nothing redacted. It is left out of the
 * "only re-encoding noise" comparisons.
 */
const NOISE_PATCH = { x0: 390, y0: 215, x1: 570, y1: 315 };
/** Frames and samples this close to a mark's edge are not judged: edges fall between frames. */
const EDGE_MS = 200;

let server: RunningServer;
let deps: WorkerDeps;
let recording: Recording;
let segments: LedgerEntry[];
let custodian: SignedIn;
/** a recording still open, as while its camera publishes */
let live: Recording;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-redaction-'));

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  const { core } = server;
  const cam = await core.devices.add({ kind: 'bodycam', officerBadge: 'D1', unit: 'u1' }, 'test');
  recording = await sealClip(core, cam.device, preparedClip({ seconds: 6, size: `${WIDTH}x${HEIGHT}`, tone: true }));
  live = await core.sealer.openRecording((await core.devices.add({ kind: 'bodycam', officerBadge: 'D2', unit: 'u1' }, 'test')).device, new Date());
  segments = (await entriesOf(core.db, recording.id)).filter((e) => e.kind === 'segment');
  deps = workerDepsOf(core, path.join(scratch, 'work'));
  custodian = await signedInUser(server, 'custodian', 'u1', 'DC1');
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const api = (who: SignedIn, route: string, body?: unknown) => apiFetch(server.httpPort, who, route, body);

const jobContext = (jobId: string, seen: number[] = []): JobContext => ({ jobId, progress: async (p) => void seen.push(p) });

interface Decoded {
  /** every frame as 8-bit luma at WIDTH×HEIGHT */
  frames: Buffer[];
  /** the audio as mono samples at SAMPLE_RATE */
  samples: Int16Array;
  /** how far the first sample lies before the first picture, in seconds */
  leadSeconds: number;
}

const decodedObjects = new Map<string, Decoded>();

/** A stored object decoded once with ffmpeg (pictures and sound in one run), its stream starts read with ffprobe. */
async function decoded(objectKey: string): Promise<Decoded> {
  const known = decodedObjects.get(objectKey);
  if (known) return known;
  const dir = fs.mkdtempSync(path.join(scratch, 'decode-'));
  const file = path.join(dir, path.basename(objectKey));
  fs.writeFileSync(file, await deps.store.get(objectKey));
  const [video, audio] = [path.join(dir, 'video.raw'), path.join(dir, 'audio.raw')];
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-i',
    file,
    '-map',
    '0:v:0',
    '-vf',
    `scale=${WIDTH}:${HEIGHT}`,
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    video,
    '-map',
    '0:a:0',
    '-ac',
    '1',
    '-ar',
    String(SAMPLE_RATE),
    '-f',
    's16le',
    audio,
  ]);
  const starts = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,start_time', '-of', 'csv=p=0', file]).toString().trim().split('\n');
  const startOf = (type: string) => Number(starts.find((l) => l.startsWith(type))!.split(',')[1]);
  const raw = fs.readFileSync(video);
  const pcm = fs.readFileSync(audio);
  const size = WIDTH * HEIGHT;
  const result = {
    frames: Array.from({ length: raw.length / size }, (_, i) => raw.subarray(i * size, (i + 1) * size)),
    samples: new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2),
    leadSeconds: startOf('video') - startOf('audio'),
  };
  decodedObjects.set(objectKey, result);
  return result;
}

type Box = { x0: number; y0: number; x1: number; y1: number };
const inside = (b: Box, x: number, y: number) => x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1;
/** The rectangle shrunk or grown by a few pixels: ffmpeg's crop and overlay round its corners to even pixels. */
const shrunk = (b: Box, by: number): Box => ({ x0: b.x0 + by, y0: b.y0 + by, x1: b.x1 - by, y1: b.y1 - by });
const grown = (b: Box, by: number): Box => shrunk(b, -by);

/** The pixel indexes `where` picks, computed once per region. */
function region(where: (x: number, y: number) => boolean): Uint32Array {
  const picked: number[] = [];
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) if (where(x, y)) picked.push(y * WIDTH + x);
  return Uint32Array.from(picked);
}

/** Mean absolute luma difference of two frames over a region's pixels. */
function meanAbsDiff(a: Buffer, b: Buffer, pixels: Uint32Array): number {
  let sum = 0;
  for (const i of pixels) sum += Math.abs(a[i]! - b[i]!);
  return sum / pixels.length;
}

const IN_RECT = region((x, y) => inside(shrunk(RECT, 2), x, y));
const NO_NOISE = region((x, y) => !inside(NOISE_PATCH, x, y));
const OUTSIDE_RECT = region((x, y) => !inside(grown(RECT, 2), x, y) && !inside(NOISE_PATCH, x, y));

const rms = (s: Int16Array) => Math.sqrt(s.reduce((n, v) => n + v * v, 0) / s.length);

describe('asking for a redaction', () => {
  it('refuses marks outside the recording, an empty mark list, a reviewer without access and a live recording, each audited', async () => {
    const reviewer = await signedInUser(server, 'reviewer', 'u1', 'DR1');
    const beyond = { mute: [], blur: [{ ...BLUR, toMs: recording.duration_ms + 1000 }] };
    const outside = await api(custodian, `recordings/${recording.id}/redactions`, { marks: beyond });
    expect([outside.status, await outside.json()]).toEqual([400, { error: 'invalid_input' }]);
    expect((await api(custodian, `recordings/${recording.id}/redactions`, { marks: { mute: [], blur: [] } })).status).toBe(400);
    expect((await api(custodian, `recordings/${recording.id}/redactions`, { marks: { mute: [], blur: [{ ...BLUR, w: 0.9 }] } })).status).toBe(400);
    expect((await api(reviewer, `recordings/${recording.id}/redactions`, { marks: { mute: [MUTE], blur: [] } })).status).toBe(403);
    expect((await api(reviewer, `recordings/${recording.id}/redactions`)).status).toBe(403);

    expect((await server.core.repos.recordings.get(live.id)).state).toBe('live');
    const early = await api(custodian, `recordings/${live.id}/redactions`, { marks: { mute: [{ fromMs: 0, toMs: 100 }], blur: [] } });
    expect([early.status, await early.json()]).toEqual([409, { error: 'recording_not_closed' }]);

    expect(await server.core.db.selectFrom('redactions').selectAll().execute()).toEqual([]);
    const refusals = (await server.core.audit.query({ action: 'redaction.request' })).filter((e) => e.outcome === 'refused');
    expect(refusals.map((e) => [e.subject, JSON.parse(e.detail).reason]).sort()).toEqual(
      [
        [recording.id, 'invalid_marks'],
        [recording.id, 'invalid_marks'],
        [recording.id, 'marks_outside_recording'],
        [recording.id, 'recording neither shared with this reviewer nor on their case'],
        [live.id, 'recording_not_closed'],
      ].sort(),
    );
    const listRefused = await server.core.audit.query({ action: 'redaction.list' });
    expect(listRefused.map((e) => [e.actor, e.outcome])).toEqual([[`user:${reviewer.userId}`, 'refused']]);
  });
});

describe('a redaction', () => {
  let redactionId: string;
  let jobId: string;
  const progress: number[] = [];

  beforeAll(async () => {
    const res = await api(custodian, `recordings/${recording.id}/redactions`, { marks: { mute: [MUTE], blur: [BLUR] } });
    expect(res.status).toBe(201);
    ({ redactionId, jobId } = (await res.json()) as { redactionId: string; jobId: string });
    await recordingRedact({ redactionId }, jobContext(jobId, progress), deps);
  }, 60_000);

  const variantRows = (variant: RedactedVariant) =>
    server.core.db.selectFrom('redacted_segments').selectAll().where('redaction_id', '=', redactionId).where('variant', '=', variant).orderBy('idx').execute();

  it('is asked for with its job in one go, audited, and shown as ready with its manifest once made', async () => {
    const job = await server.core.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ kind: 'recording.redact', subject: recording.id });
    const outbox = await server.core.db.selectFrom('outbox').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(JSON.parse(outbox.payload)).toEqual({ redactionId });
    const one = await (await api(custodian, `redactions/${redactionId}`)).json();
    expect(one).toMatchObject({
      redactionId,
      recordingId: recording.id,
      state: 'ready',
      marks: { mute: [MUTE], blur: [BLUR] },
      createdBy: `user:${custodian.userId}`,
      jobId,
      manifestKey: `redactions/${redactionId}/manifest.json`,
      error: null,
    });
    const list = (await (await api(custodian, `recordings/${recording.id}/redactions`)).json()) as { redactions: unknown[] };
    expect(list.redactions).toEqual([one]);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const audit = await server.core.audit.query({ subject: recording.id });
    expect(audit.filter((e) => e.action === 'redaction.request' && e.outcome === 'ok').map((e) => e.session_id)).toEqual([redactionId]);
    expect(audit.filter((e) => e.action === 'redaction.made').map((e) => [e.outcome, e.object])).toEqual([['ok', `redactions/${redactionId}/manifest.json`]]);
  });

  it('differs from the original only in the marked regions and ranges', async () => {
    const plain = await variantRows('plain');
    expect(plain.map((r) => [r.idx, r.source_sha256, r.duration_ms])).toEqual(segments.map((s) => [s.idx, s.sha256, s.duration_ms]));
    const blurred: number[] = [];
    const untouchedInRect: number[] = [];
    const outsideRect: number[] = [];
    let positionMs = 0;
    for (const [n, s] of segments.entries()) {
      const original = (await decoded(s.object_key!)).frames;
      const redacted = (await decoded(plain[n]!.object_key)).frames;
      expect(redacted.length).toBe(original.length);
      for (const [j, frame] of original.entries()) {
        const atMs = positionMs + (1000 * j) / FPS;
        const other = redacted[j]!;
        outsideRect.push(meanAbsDiff(frame, other, OUTSIDE_RECT));
        if (atMs > BLUR.fromMs + EDGE_MS && atMs < BLUR.toMs - EDGE_MS) blurred.push(meanAbsDiff(frame, other, IN_RECT));
        if (atMs < BLUR.fromMs - EDGE_MS || atMs > BLUR.toMs + EDGE_MS) untouchedInRect.push(meanAbsDiff(frame, other, IN_RECT));
      }
      positionMs += s.duration_ms;
    }
    // Measured on this pattern: re-encoding leaves under 1 level of mean difference (0.04–0.85 in
    // the rectangle, 0.3–0.5 around it); the blur 11–34 levels.
    expect(blurred.length).toBeGreaterThan(FPS);
    expect(untouchedInRect.length).toBeGreaterThan(FPS);
    expect(Math.min(...blurred)).toBeGreaterThan(8);
    expect(Math.max(...untouchedInRect)).toBeLessThan(2);
    expect(Math.max(...outsideRect)).toBeLessThan(2);
  });

  it('mutes the marked range and leaves the rest of the sound as it was', async () => {
    const plain = await variantRows('plain');
    const muted: number[] = [];
    const kept: { original: number; redacted: number }[] = [];
    let positionMs = 0;
    for (const [n, s] of segments.entries()) {
      const original = await decoded(s.object_key!);
      const redacted = await decoded(plain[n]!.object_key);
      // 100 ms windows, each on the replay clock by its own stream's start.
      for (let atMs = positionMs + 100; atMs + 100 < positionMs + s.duration_ms; atMs += 100) {
        const window = (p: Decoded) => {
          const from = Math.round(((atMs - positionMs) / 1000 + p.leadSeconds) * SAMPLE_RATE);
          return p.samples.subarray(from, from + SAMPLE_RATE / 10);
        };
        const inRange = atMs > MUTE.fromMs + EDGE_MS && atMs + 100 < MUTE.toMs - EDGE_MS;
        const outOfRange = atMs + 100 < MUTE.fromMs - EDGE_MS || atMs > MUTE.toMs + EDGE_MS;
        if (inRange) muted.push(rms(window(redacted)));
        if (outOfRange) kept.push({ original: rms(window(original)), redacted: rms(window(redacted)) });
      }
      positionMs += s.duration_ms;
    }
    expect(muted.length).toBeGreaterThan(10);
    expect(kept.length).toBeGreaterThan(10);
    // The tone is loud (RMS in the thousands); muted is digital silence.
    expect(Math.min(...kept.map((k) => k.original))).toBeGreaterThan(1000);
    expect(Math.max(...muted)).toBeLessThan(1);
    for (const k of kept) expect(Math.abs(k.redacted - k.original) / k.original).toBeLessThan(0.1);
  });

  it('leaves every original as sealed: each still hashes to its ledger entry and the recording verifies', async () => {
    for (const s of segments) expect(sha256Hex(await deps.store.get(s.object_key!))).toBe(s.sha256);
    const report = await new RecordingVerification(deps.repos.recordings, deps.store).check(recording.id);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect(report.manifestChecked).toBe(true);
  });

  it('writes a signed manifest naming the original’s hashes, the variants and the marks', async () => {
    const key = `redactions/${redactionId}/manifest.json`;
    const bytes = await deps.store.get(key);
    const signature = await deps.store.get(signatureKeyOf(key));
    expect(verifySignature(deps.signingKey.publicKeyPem, bytes, signature)).toBe(true);
    const tampered = Buffer.from(bytes.toString().replace(segments[0]!.sha256!, '0'.repeat(64)));
    expect(verifySignature(deps.signingKey.publicKeyPem, tampered, signature)).toBe(false);

    const manifest = redactionManifestSchema.parse(JSON.parse(bytes.toString()));
    expect(manifest.recording).toEqual({
      id: recording.id,
      manifestKey: recording.manifest_key,
      manifestSha256: sha256Hex(await deps.store.get(recording.manifest_key!)),
      finalLink: recording.head_link,
    });
    expect(manifest.marks).toEqual({ mute: [MUTE], blur: [BLUR] });
    expect(manifest.signingKey).toBe(deps.signingKey.fingerprint);
    expect(manifest.segments.map((s) => [s.idx, s.sourceSha256])).toEqual(segments.map((s) => [s.idx, s.sha256]));
    for (const variant of ['plain', 'mark_a', 'mark_b'] as const) {
      const rows = await variantRows(variant);
      expect(manifest.segments.map((s) => s.variants[variant])).toEqual(rows.map((r) => ({ key: r.object_key, sha256: r.sha256, size: r.size })));
      for (const r of rows) expect(sha256Hex(await deps.store.get(r.object_key))).toBe(r.sha256);
    }
  });

  it('carries the forensic mark: mark_a and mark_b differ from each other and last as long', async () => {
    const [a, b] = [await variantRows('mark_a'), await variantRows('mark_b')];
    for (const n of [0, segments.length - 1]) {
      const [fa, fb] = [await decoded(a[n]!.object_key), await decoded(b[n]!.object_key)];
      expect(fa.frames.length).toBe(fb.frames.length);
      const durations = await Promise.all(
        [a[n]!, b[n]!].map(async (r) => {
          const file = path.join(fs.mkdtempSync(path.join(scratch, 'probe-')), 'v.ts');
          fs.writeFileSync(file, await deps.store.get(r.object_key));
          return execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=duration,height', '-of', 'csv=p=0', file]).toString().trim();
        }),
      );
      expect(durations[0]).toBe(durations[1]);
      // ±2 levels each way, smooth over the frame: about 2 levels apart on average, far from identical.
      expect(meanAbsDiff(fa.frames[5]!, fb.frames[5]!, NO_NOISE)).toBeGreaterThan(1);
    }
  });

  it('is made once: a retried job keeps what is stored', async () => {
    const before = await server.core.db.selectFrom('redacted_segments').selectAll().where('redaction_id', '=', redactionId).execute();
    expect(await recordingRedact({ redactionId }, jobContext(jobId), deps)).toEqual({ manifestKey: `redactions/${redactionId}/manifest.json` });
    expect(await server.core.db.selectFrom('redacted_segments').selectAll().where('redaction_id', '=', redactionId).execute()).toEqual(before);
    expect(before).toHaveLength(3 * segments.length);
  });

  it('makes a party copy from its marked variants, blurred in the region, without deriving the replay variants', async () => {
    const exportId = `exp-redacted${Date.now().toString(36)}`;
    const job = await server.core.db.transaction().execute(async (tx) => {
      const id = await new JobRepository(tx).enqueue('export.party_copy', { exportId }, exportId);
      const row: Export = {
        id: exportId,
        kind: 'party_copy',
        recording_id: recording.id,
        requested_by: `user:${custodian.userId}`,
        recipient: '李四',
        approval_no: 'PR-1',
        redaction_id: redactionId,
        request_id: null,
        job_id: id,
        object_key: null,
        sha256: null,
        size: null,
        created_at: new Date().toISOString(),
      };
      await tx.insertInto('exports').values(row).execute();
      return id;
    });
    const made = await exportPartyCopy({ exportId }, jobContext(job), deps);
    expect(made).toMatchObject({ objectKey: `exports/${exportId}/party-copy.mp4` });
    const replayVariants = await server.core.db.selectFrom('derivatives').select('kind').where('recording_id', '=', recording.id).where('kind', 'in', ['mark_a', 'mark_b']).execute();
    expect(replayVariants).toEqual([]);

    const copy = (await decoded(made!.objectKey as string)).frames;
    const originals = (await Promise.all(segments.map((s) => decoded(s.object_key!)))).flatMap((d) => d.frames);
    expect(copy.length).toBe(originals.length);
    // The burned-in text sits in the lower part: compared above it.
    const upperOutside = region((x, y) => y < HEIGHT * 0.7 && !inside(grown(RECT, 2), x, y) && !inside(NOISE_PATCH, x, y));
    const frame = Math.round((FPS * (BLUR.fromMs + BLUR.toMs)) / 2 / 1000);
    const before = Math.round((FPS * (BLUR.fromMs - 600)) / 1000);
    // Measured: 13.5 levels in the rectangle, 1.3 around it (two encodes and the forensic mark), 0.8 before the range.
    expect(meanAbsDiff(copy[frame]!, originals[frame]!, IN_RECT)).toBeGreaterThan(8);
    expect(meanAbsDiff(copy[frame]!, originals[frame]!, upperOutside)).toBeLessThan(3);
    expect(meanAbsDiff(copy[before]!, originals[before]!, IN_RECT)).toBeLessThan(3);
  });
});
