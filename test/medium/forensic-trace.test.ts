/**
 * Forensic A/B marks, end to end: a 36 s recording (18 segments of 2 s) gets its marked
 * variants; ten custodians each replay it through the HTTP API, as a player would, and keep the
 * concatenation of what they received; `liuhen trace` names each one's session from that copy,
 * and again after a re-encode at half its bitrate; the unmarked originals name nobody.
 *
 * Why 18 segments: each segment carries one bit of the session's codeword, and a session is named
 * only when an unrelated codeword would agree as well with probability under 10⁻⁴ over all
 * candidates — with ten sessions that takes 17 agreeing segments; one is spare.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import { codewordVariant } from '../../server/forensic/codeword.ts';
import type { Reference } from '../../server/forensic/reference.ts';
import { type TraceReport, TracedLeaks } from '../../server/forensic/trace.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { deriveMarkedVariants } from '../../workers/marked-variants.ts';
import { runCli } from '../helpers/cli.ts';
import { rawRequest } from '../helpers/http.ts';
import { entriesOf, startsWithKeyframe } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

const run = promisify(execFile);
const bitrateOf = async (file: string) => Number((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=bit_rate', '-of', 'csv=p=0', file])).stdout);
const SESSIONS = 10;

let env: Record<string, string>;
let server: RunningServer;
let dir: string;
let recordingId: string;
let workerDeps: WorkerDeps;
/** the core's TracedLeaks, but keeping each recording's decoded originals across the many traces here */
let tracedLeaks: TracedLeaks;
const progress: number[] = [];
/** what each session received, in order */
const copies: { sessionId: string; file: string; urls: string[] }[] = [];

async function replayAsPlayer(accessToken: string, n: number) {
  const created = await rawRequest(server.httpPort, 'POST', '/api/playback-sessions', {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ recordingId }),
  });
  expect(created.status).toBe(201);
  const { sessionId, playlistUrl } = JSON.parse(created.body.toString()) as { sessionId: string; playlistUrl: string };
  const playlist = await rawRequest(server.httpPort, 'GET', playlistUrl);
  const base = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
  const urls = playlist.body
    .toString()
    .split('\n')
    .filter((l) => l.includes('.ts?'))
    .map((l) => base + l);
  const parts: Buffer[] = [];
  for (const url of urls) {
    const res = await rawRequest(server.httpPort, 'GET', url);
    expect(res.status).toBe(200);
    parts.push(res.body);
  }
  const file = path.join(dir, `copy-${n}.ts`);
  fs.writeFileSync(file, Buffer.concat(parts));
  return { sessionId, file, urls };
}

/** The audit's forensic.trace events of `file`: each names what it traced by its SHA-256. */
async function auditedTraces(file: string) {
  await server.core.audit.flush();
  const sha256 = sha256Hex(fs.readFileSync(file));
  return (await server.core.audit.query({ action: 'forensic.trace' })).filter((e) => (JSON.parse(e.detail) as { sha256: string }).sha256 === sha256);
}

beforeAll(async () => {
  env = await testEnv();
  server = await startTestServer(env);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-trace-'));
  const { core } = server;
  const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'F-1', unit: 'u1', name: '记录仪 F1' }, 'test');
  // Sealed from a prepared clip: what is traced is the replay, not how the recording came in.
  recordingId = (await sealClip(core, device, preparedClip({ seconds: 36, size: '640x360' }))).id;

  workerDeps = workerDepsOf(core, path.join(dir, 'work'));
  await deriveMarkedVariants(recordingId, { jobId: 'test-derive', progress: async (p) => void progress.push(p) }, workerDeps);
  // The custodians sign in and replay side by side, each kept in its place in `copies`.
  copies.push(...(await Promise.all(Array.from({ length: SESSIONS }, async (_, n) => replayAsPlayer((await signedInUser(server, 'custodian', 'u1', `K-${n}`)).accessToken, n)))));
  // One cache of decoded originals for every in-process trace: what a caller running many would
  // do. Filled before the traces start, so traces run side by side do not each decode it.
  tracedLeaks = new TracedLeaks({
    recordings: core.repos.recordings,
    forensic: core.repos.forensic,
    store: core.store,
    audit: core.audit,
    ffmpegPath: core.config.ffmpegPath,
    codewordKey: core.keys.key('forensic-codeword'),
    references: new Map<string, Reference>(),
  });
  await tracedLeaks.reference(recordingId);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('marked variants', () => {
  it('exist as A and B for every segment, each naming its original, made once', async () => {
    const segments = (await entriesOf(server.core.db, recordingId)).filter((e) => e.kind === 'segment');
    expect(segments.length).toBeGreaterThanOrEqual(17);
    const rows = await server.core.db.selectFrom('derivatives').selectAll().where('recording_id', '=', recordingId).orderBy('idx').orderBy('kind').execute();
    expect(rows.map((r) => `${r.idx}:${r.kind}`)).toEqual(segments.flatMap((s) => [`${s.idx}:mark_a`, `${s.idx}:mark_b`]));
    for (const r of rows) expect(r.source_sha256).toBe(segments.find((s) => s.idx === r.idx)!.sha256);
    expect(progress.at(-1)).toBe(100);

    // Again with no ffmpeg to run: it succeeds only if it encodes nothing.
    await deriveMarkedVariants(recordingId, { jobId: 'test-again', progress: async () => undefined }, { ...workerDeps, ffmpegPath: path.join(dir, 'no-ffmpeg') });
    const again = await server.core.db.selectFrom('derivatives').selectAll().where('recording_id', '=', recordingId).orderBy('idx').orderBy('kind').execute();
    expect(again).toEqual(rows);
  });

  it('start with a keyframe and keep their originals’ timestamps, so any mix of A and B plays as one stream', async () => {
    const [first, second] = (await entriesOf(server.core.db, recordingId)).filter((e) => e.kind === 'segment').slice(3, 5);
    const startOf = async (bytes: Buffer) => {
      const file = path.join(dir, 'probe.ts');
      fs.writeFileSync(file, bytes);
      const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=start_time', '-of', 'csv=p=0', file]);
      return Number(stdout.split('\n')[0]);
    };
    for (const entry of [first!, second!]) {
      const variant = await server.core.db
        .selectFrom('derivatives')
        .select('object_key')
        .where('recording_id', '=', recordingId)
        .where('idx', '=', entry.idx)
        .where('kind', '=', 'mark_b')
        .executeTakeFirstOrThrow();
      const bytes = await server.core.store.get(variant.object_key);
      expect(startsWithKeyframe(bytes)).toBe(true);
      expect(await startOf(bytes)).toBeCloseTo(await startOf(await server.core.store.get(entry.object_key!)), 2);
    }
  });
});

describe('replay sessions', () => {
  it('are served the variant their codeword names for each segment, and cannot ask for another object', async () => {
    const key = server.core.keys.key('forensic-codeword');
    const { sessionId, urls } = copies[0]!;
    // The URL says only "marked": naming the variant would tell the viewer their codeword.
    for (const url of urls) expect(url).toMatch(/\/\d+\.ts\?v=mark&exp=/);
    for (const asked of ['v=mark_a&', 'v=mark_b&', 'v=r360&', '']) expect((await rawRequest(server.httpPort, 'GET', urls[0]!.replace('v=mark&', asked))).status).toBe(401);

    await server.core.audit.flush();
    const served = (await server.core.audit.query({ action: 'playback.segment' })).filter((e) => e.session_id === sessionId && e.outcome === 'ok');
    expect(served.map((e) => e.object)).toEqual(
      urls.map((u) => {
        const idx = Number(/\/(\d+)\.ts\?/.exec(u)![1]);
        return `derivatives/${recordingId}/mark_${codewordVariant(key, sessionId, idx).toLowerCase()}/${String(idx).padStart(6, '0')}.ts`;
      }),
    );
  });
});

describe('liuhen trace', () => {
  it('names the session each received copy came from', async () => {
    // One through the real command (exit 0), the others meanwhile in-process, on shared decoded
    // originals, in two chains: one's decode (ffmpeg) overlaps the other's alignment (JavaScript).
    const reports: TraceReport[] = [];
    const [cli] = await Promise.all([
      runCli(['trace', copies[0]!.file], env),
      ...[0, 1].map(async (chain) => {
        for (let n = 1 + chain; n < copies.length; n += 2) reports[n - 1] = await tracedLeaks.trace(copies[n]!.file, { actor: 'test' });
      }),
    ]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`named: replay session ${copies[0]!.sessionId}`);
    for (const [n, report] of reports.entries()) {
      expect(report.match?.candidate.id, report.reason ?? '').toBe(copies[n + 1]!.sessionId);
      expect(report.match!.falseMatch).toBeLessThan(1e-4);
      expect(report.recordingId).toBe(recordingId);
    }
    for (const copy of copies) expect(await auditedTraces(copy.file)).toHaveLength(1);
  });

  it.concurrent('names them still after a re-encode at half the bitrate', async () => {
    // superfast spends its bits less well than x264's default preset: the harsher re-encode, and the quicker.
    const reencode = async (copy: (typeof copies)[number]) => {
      const out = copy.file.replace(/\.ts$/, '-half.mp4');
      await run('ffmpeg', ['-v', 'error', '-y', '-i', copy.file, '-c:v', 'libx264', '-preset', 'superfast', '-b:v', String(Math.round((await bitrateOf(copy.file)) / 2)), '-c:a', 'copy', out]);
      return out;
    };
    const named = new Map<string, string | undefined>();
    const reencoded: string[] = [];
    // Two chains of re-encode-then-trace keep both cores busy.
    await Promise.all(
      [0, 1].map(async (chain) => {
        for (const copy of copies.filter((_, n) => n % 2 === chain)) {
          const file = await reencode(copy);
          reencoded.push(file);
          named.set(copy.sessionId, (await tracedLeaks.trace(file, { actor: 'test' })).match?.candidate.id);
        }
      }),
    );
    for (const copy of copies) expect(named.get(copy.sessionId)).toBe(copy.sessionId);
    for (const file of reencoded) expect(await auditedTraces(file)).toHaveLength(1);
  });

  it.concurrent('finds where a copy cut at both ends begins, and still names its session', async () => {
    const cut = path.join(dir, 'cut.mp4');
    // Cut after decoding: given before the input, -ss starts a TS at the next key frame and holds
    // it over the gap, so the copy would begin with the recording's 2 s moment, not 0.7 s.
    await run('ffmpeg', ['-v', 'error', '-y', '-i', copies[1]!.file, '-ss', '0.7', '-to', '34.9', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'copy', cut]);
    const report = await tracedLeaks.trace(cut, { actor: 'test' });
    expect(report.match?.candidate.id).toBe(copies[1]!.sessionId);
    const first = (await entriesOf(server.core.db, recordingId)).find((e) => e.kind === 'segment')!;
    expect(report.from!.idx).toBe(first.idx);
    // -ss counts from the file's earliest packet, which may be audio: a few frames' slack.
    expect(Math.abs(Date.parse(report.from!.at) - Date.parse(first.start_at) - 700)).toBeLessThan(200);
    expect(await auditedTraces(cut)).toHaveLength(1);
  });

  it('names nobody for the unmarked originals, and audits that trace like the others', async () => {
    const originals = (await entriesOf(server.core.db, recordingId)).filter((e) => e.kind === 'segment');
    const file = path.join(dir, 'originals.ts');
    fs.writeFileSync(file, Buffer.concat(await Promise.all(originals.map((e) => server.core.store.get(e.object_key!)))));
    const report = await tracedLeaks.trace(file, { actor: 'test' });
    expect(report.outcome).toBe('cannot_name');
    expect(report.recordingId).toBe(recordingId);
    expect(report.bitsRead).toBe(0);
    expect(report.match).toBeNull();

    // Found by what was traced, not counted: whether the other tests ran first does not matter.
    const audited = await auditedTraces(file);
    expect(audited).toHaveLength(1);
    expect(JSON.parse(audited[0]!.detail)).toMatchObject({ outcome: 'cannot_name', match: null, reason: expect.stringMatching(/^0 of \d+ segments read.*: the copy carries no forensic mark/) });
  });
});
