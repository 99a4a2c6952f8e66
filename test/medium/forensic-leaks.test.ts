/**
 * Tracing the copies leakers actually make (issue 19): a 24 s recording of a busy scene (1 s
 * segments, 640×360, so a trace has 24 bits to read) gets its marked variants; three custodians
 * replay it through the HTTP API and ffmpeg keeps what their playlist serves, as a leaker would.
 * Each copy is then converted to 30 fps, spliced with repeated frames at the joins, covered by a
 * box, cropped, mirrored and letterboxed, or cut short at a quarter of its bitrate, and traced;
 * two sessions' copies are spliced and averaged (collusion).
 *
 * Three sessions need 15 agreeing bits (3 × 2⁻¹⁵ < 10⁻⁴): a whole copy has 24, an 8 s excerpt
 * too few — there the trace must say it is a copy of the recording and that it cannot name
 * anyone, not that it is no copy at all. Copies of anything else name no one, nor do a hundred
 * leaks of what nobody received.
 *
 * The tests run side by side (each makes and traces leaks of its own): one's encodes overlap
 * another's trace, which is JavaScript on one core, so both cores stay busy.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGreyFrames } from '../../server/forensic/grey-frames.ts';
import { plainPosition } from '../../server/forensic/leak-position.ts';
import type { Reference } from '../../server/forensic/reference.ts';
import { TracedLeaks, type TraceReport } from '../../server/forensic/trace.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { deriveMarkedVariants } from '../../workers/marked-variants.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { runCli } from '../helpers/cli.ts';
import { apiFetch } from '../helpers/http.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

const run = promisify(execFile);
const SESSIONS = 3;

let env: Record<string, string>;
let server: RunningServer;
let dir: string;
let recordingId: string;
/** the core's TracedLeaks, but keeping each recording's decoded originals across the many traces here */
let tracedLeaks: TracedLeaks;
/** what each session's playlist served, kept by ffmpeg */
const copies: { sessionId: string; file: string }[] = [];

/**
 * The copy re-encoded by ffmpeg with `args` (filters, cuts) into an MP4 named `name`, by x264's
 * quickest preset: what these leaks test is the filter, and ultrafast leaves the mark at least as
 * clear as a slower preset at its own bitrate. A leak at a set bitrate (`bitrate`) is the encoder's
 * doing as much as the cut's, so it gets the preset a leaker's tools default to, veryfast.
 */
async function leak(copy: string, name: string, args: string[], before: string[] = [], bitrate?: number): Promise<string> {
  const out = path.join(dir, `${name}.mp4`);
  const encoder = bitrate === undefined ? ['-preset', 'ultrafast'] : ['-preset', 'veryfast', '-b:v', String(bitrate)];
  await run('ffmpeg', ['-v', 'error', '-y', ...before, '-i', copy, ...args, '-c:v', 'libx264', ...encoder, '-an', out]);
  return out;
}

/** A quarter of what `copy` was served at, bits per second. */
async function quarterBitrate(copy: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=bit_rate', '-of', 'csv=p=0', copy]);
  return Math.round(Number(stdout) / 4);
}

const traced = (file: string, recording?: string): Promise<TraceReport> => tracedLeaks.trace(file, { actor: 'test', recordingId: recording });

let randomMade: Promise<string> | undefined;
/** A 12 s clip of nothing recorded (a random scene), made once for the tests that need one. */
function randomClip(): Promise<string> {
  const file = path.join(dir, 'random.mp4');
  randomMade ??= run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'life=size=640x360:rate=25:mold=10:ratio=0.3,noise=alls=12:allf=t',
    '-t',
    '12',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    file,
  ]).then(() => file);
  return randomMade;
}

beforeAll(async () => {
  env = await testEnv();
  server = await startTestServer(env);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-leaks-'));
  const { core } = server;
  const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'L-1', unit: 'u1', name: '记录仪 L1' }, 'test');
  recordingId = (await sealClip(core, device, preparedClip({ seconds: 24, segmentSeconds: 1, size: '640x360', scene: true }))).id;
  await deriveMarkedVariants(recordingId, { jobId: 'test-derive', progress: async () => undefined }, workerDepsOf(core, path.join(dir, 'work')));
  // The custodians replay side by side, each kept in its place in `copies`.
  copies.push(
    ...(await Promise.all(
      Array.from({ length: SESSIONS }, async (_, n) => {
        const viewer = await signedInUser(server, 'custodian', 'u1', `LK-${n}`);
        const created = await apiFetch(server.httpPort, viewer, 'playback-sessions', { recordingId });
        expect(created.status).toBe(201);
        const { sessionId, playlistUrl } = (await created.json()) as { sessionId: string; playlistUrl: string };
        const file = path.join(dir, `copy-${n}.ts`);
        await run('ffmpeg', ['-v', 'error', '-y', '-i', `http://127.0.0.1:${server.httpPort}${playlistUrl}`, '-c', 'copy', file]);
        return { sessionId, file };
      }),
    )),
  );
  tracedLeaks = new TracedLeaks({
    recordings: core.repos.recordings,
    forensic: core.repos.forensic,
    store: core.store,
    audit: core.audit,
    ffmpegPath: core.config.ffmpegPath,
    codewordKey: core.keys.key('forensic-codeword'),
    references: new Map<string, Reference>(),
  });
  // Decoded once before the tests run side by side, rather than by each of their first traces at once.
  await tracedLeaks.reference(recordingId);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function expectNamed(report: TraceReport, sessionId: string) {
  expect(report.outcome, report.reason ?? '').toBe('named');
  expect(report.match?.candidate.id).toBe(sessionId);
  expect(report.match!.falseMatch).toBeLessThan(1e-4);
  expect(report.recordingId).toBe(recordingId);
}

describe.concurrent('a trace names the session', () => {
  it('of a copy converted to 30 fps', async () => {
    expectNamed(await traced(await leak(copies[0]!.file, 'fps30', ['-vf', 'fps=30'])), copies[0]!.sessionId);
  });

  it('of a copy spliced from pieces that repeat 5 frames at each of 13 joins (65 duplicated frames)', async () => {
    // Pieces of 1.7 s, each running 0.2 s past where the next begins: a clumsy splice of overlapping takes.
    const pieces = Array.from({ length: 14 }, (_, i) => `[0:v]trim=start=${(i * 1.7).toFixed(2)}:end=${(i * 1.7 + 1.9).toFixed(2)},setpts=PTS-STARTPTS[p${i}]`);
    const graph = `${pieces.join(';')};${pieces.map((_, i) => `[p${i}]`).join('')}concat=n=${pieces.length}:v=1:a=0[v]`;
    const file = await leak(copies[1]!.file, 'joins', ['-filter_complex', graph, '-map', '[v]']);
    const report = await traced(file);
    expectNamed(report, copies[1]!.sessionId);
    // Each segment still read, not only those between joins where frame counting happens to hold.
    expect(report.bitsRead).toBeGreaterThanOrEqual(22);
  });

  it('of a copy with a solid box over 20 % of the picture', async () => {
    const file = await leak(copies[2]!.file, 'box', ['-vf', 'drawbox=x=iw*0.55:y=ih*0.1:w=iw*0.4:h=ih*0.5:color=black:t=fill']);
    expectNamed(await traced(file), copies[2]!.sessionId);
  });

  it('of a copy cropped by 10 % on each side and scaled back up', async () => {
    const file = await leak(copies[0]!.file, 'crop', ['-vf', 'crop=iw*0.8:ih*0.8,scale=640:360']);
    const report = await traced(file);
    expectNamed(report, copies[0]!.sessionId);
    expect(report.alignment!.geometry.x.offset).toBeCloseTo(0.1, 2);
    expect(report.alignment!.geometry.y.scale).toBeCloseTo(0.8, 2);
  });

  it('of a copy mirrored and shrunk into black bars (letterbox)', async () => {
    const file = await leak(copies[1]!.file, 'mirror-letterbox', ['-vf', 'hflip,scale=480:270,pad=640:360:80:45']);
    const report = await traced(file);
    expectNamed(report, copies[1]!.sessionId);
    expect(report.alignment!.geometry.x.scale).toBeCloseTo(-4 / 3, 1);
  });

  it('of a copy cut to 18 s and re-encoded at a quarter of its bitrate', async () => {
    const file = await leak(copies[0]!.file, 'quarter-18s', ['-t', '18'], ['-ss', '3'], await quarterBitrate(copies[0]!.file));
    expectNamed(await traced(file), copies[0]!.sessionId);
  });
});

describe.concurrent('a trace that cannot name anyone says so, and of which recording the copy is', () => {
  it('for 8 s excerpts: at a quarter of the bitrate, at 30 fps, under a box', async () => {
    const excerpts = await Promise.all([
      quarterBitrate(copies[1]!.file).then((bitrate) => leak(copies[1]!.file, 'quarter-8s', ['-t', '8'], ['-ss', '5'], bitrate)),
      leak(copies[1]!.file, 'fps30-8s', ['-t', '8', '-vf', 'fps=30'], ['-ss', '12']),
      leak(copies[1]!.file, 'box-8s', ['-t', '8', '-vf', 'drawbox=x=0:y=ih*0.8:w=iw:h=ih*0.2:color=white:t=fill'], ['-ss', '2']),
    ]);
    // The command traces in a process of its own, beside the in-process traces that share this one's thread.
    const cliTraced = runCli(['trace', excerpts[0]!], env);
    for (const file of excerpts) {
      const report = await traced(file);
      expect(report.outcome, `${path.basename(file)}: ${report.reason}`).toBe('cannot_name');
      expect(report.recordingId).toBe(recordingId);
      expect(report.match).toBeNull();
      // The bits it did read are the leaker's: too few to name, not wrong. On so few bits another
      // session's codeword may agree as well (a tie, 1–6 % of such excerpts with three sessions),
      // never better, so the leaker's is among the first, not necessarily first.
      expect(report.bitsRead).toBeGreaterThanOrEqual(5);
      expect(report.candidates.find((c) => c.candidate.id === copies[1]!.sessionId)?.agree).toBe(report.bitsRead);
      expect(report.candidates[0]!.agree).toBe(report.bitsRead);
      expect(report.reason).toMatch(/^\d+ of \d+ segments read/);
    }
    const cli = await cliTraced;
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain(`a copy of recording ${recordingId}`);
    expect(cli.stdout).toContain('but its marks cannot be read enough to name anyone');
  });

  it('for the unmarked originals: a copy of the recording that carries no mark', async () => {
    const originals = (await entriesOf(server.core.db, recordingId)).filter((e) => e.kind === 'segment');
    const file = path.join(dir, 'originals.ts');
    fs.writeFileSync(file, Buffer.concat(await Promise.all(originals.map((e) => server.core.store.get(e.object_key!)))));
    const report = await traced(await leak(file, 'originals-30fps', ['-vf', 'fps=30']));
    expect(report.outcome).toBe('cannot_name');
    expect(report.recordingId).toBe(recordingId);
    expect(report.bitsRead).toBe(0);
    expect(report.reason).toMatch(/carries no forensic mark/);
  });
});

describe.concurrent('colluders', () => {
  it('who splice or average their copies are named one of them, or not at all — never someone else', async () => {
    const [a, b] = [copies[0]!, copies[1]!];
    // ffmpeg's inputs: [0] is a's copy (given before), [1] is b's.
    const [spliced, averaged] = await Promise.all([
      leak(b.file, 'spliced', ['-filter_complex', '[0:v]trim=end=12,setpts=PTS-STARTPTS[x];[1:v]trim=start=12,setpts=PTS-STARTPTS[y];[x][y]concat=n=2:v=1:a=0[v]', '-map', '[v]'], ['-i', a.file]),
      leak(b.file, 'averaged', ['-filter_complex', '[0:v][1:v]blend=all_mode=average[v]', '-map', '[v]'], ['-i', a.file]),
    ]);
    for (const file of [spliced, averaged]) {
      const report = await traced(file);
      expect(report.recordingId).toBe(recordingId);
      expect([null, a.sessionId, b.sessionId]).toContain(report.match?.candidate.id ?? null);
      expect(report.outcome).not.toBe('not_a_copy');
    }
  });
});

describe.concurrent('a copy of anything else', () => {
  it('is no copy of a marked recording, and names no one: another recording, a random clip', async () => {
    const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'L-2', unit: 'u1', name: '记录仪 L2' }, 'test');
    const other = await sealClip(server.core, device, preparedClip({ seconds: 6, size: '320x180' }));
    const otherCopy = path.join(dir, 'other.ts');
    fs.writeFileSync(otherCopy, Buffer.concat(await Promise.all((await entriesOf(server.core.db, other.id)).filter((e) => e.kind === 'segment').map((e) => server.core.store.get(e.object_key!)))));
    const random = await randomClip();
    // The command traces in a process of its own (decoding the originals anew), beside the
    // in-process traces: each searches the whole recording for a geometry, the longest of the file.
    const cliTraced = runCli(['trace', random], env);
    for (const file of [otherCopy, random]) {
      const report = await traced(file);
      expect(report.outcome, path.basename(file)).toBe('not_a_copy');
      expect(report.match).toBeNull();
      expect(report.recordingId).toBeNull();
    }
    // Told which recording to look in, it still finds no copy of it.
    expect((await traced(random, recordingId)).outcome).toBe('not_a_copy');
    const cli = await cliTraced;
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout, cli.stderr).toContain('not a copy of any marked recording');
  });
});

/** A seeded generator: the same windows and codewords on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.concurrent('a hundred leaks of what nobody received', () => {
  // Each source is decoded once and cut into leaks in memory, as many excerpts of it: the copy
  // of a marked recording that no session was served (its variants mixed at random), the
  // unmarked originals, another recording and a random clip.
  it('name no one: 60 mixes of marked variants never served, 20 excerpts of the unmarked originals, 20 of other video', async () => {
    const { core } = server;
    const reference = await tracedLeaks.reference(recordingId);
    const decoded = async (name: string, objectKeys: string[]) => {
      const file = path.join(dir, `${name}.ts`);
      fs.writeFileSync(file, Buffer.concat(await Promise.all(objectKeys.map((k) => core.store.get(k)))));
      return decodeGreyFrames(core.config.ffmpegPath, file);
    };
    const variant = async (kind: 'mark_a' | 'mark_b') =>
      decoded(
        kind,
        (await core.db.selectFrom('derivatives').select('object_key').where('recording_id', '=', recordingId).where('kind', '=', kind).orderBy('idx').execute()).map((r) => r.object_key),
      );
    const [a, b] = await Promise.all([variant('mark_a'), variant('mark_b')]);
    expect(a.length).toBe(reference.frames.length);
    expect(b.length).toBe(reference.frames.length);
    const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'L-3', unit: 'u1', name: '记录仪 L3' }, 'test');
    // The test pattern, not the busy scene the marked recording was made of: another scene altogether.
    const other = await sealClip(core, device, preparedClip({ seconds: 12, size: '320x180' }));
    const otherFrames = await decoded(
      'other-recording',
      (await entriesOf(core.db, other.id)).filter((e) => e.kind === 'segment').map((e) => e.object_key!),
    );
    const random = await randomClip();
    const randomFrames = await decodeGreyFrames(core.config.ffmpegPath, random);

    const rand = seeded(19);
    /** an excerpt of at least `min` frames at a random place */
    const excerpt = (frames: Uint8Array[], min: number) => {
      const length = Math.min(frames.length, min + Math.floor(rand() * (frames.length - min + 1)));
      const start = Math.floor(rand() * (frames.length - length + 1));
      return frames.slice(start, start + length);
    };
    const leaks: { kind: 'never_served' | 'unmarked' | 'other'; n: number; frames: Uint8Array[] }[] = [];
    for (let n = 0; n < 60; n++) {
      const mixed = reference.segments.flatMap((s) => (rand() < 0.5 ? a : b).slice(s.first, s.first + s.count));
      leaks.push({ kind: 'never_served', n, frames: n < 20 ? mixed : excerpt(mixed, 200) });
    }
    for (let n = 0; n < 20; n++) leaks.push({ kind: 'unmarked', n, frames: excerpt(reference.frames, 100) });
    for (let n = 0; n < 20; n++) leaks.push({ kind: 'other', n, frames: excerpt(n % 2 ? otherFrames : randomFrames, 100) });

    for (const leak of leaks) {
      const what = `${leak.kind} #${leak.n} (${leak.frames.length} frames)`;
      const position = plainPosition(leak.frames, reference);
      if (leak.kind === 'other') {
        expect(position, what).toBeNull();
        continue;
      }
      expect(position, what).not.toBeNull();
      const report = await tracedLeaks.judge(reference, position!, 'none');
      expect(report.match, `${what}: ${report.reason}`).toBeNull();
      expect(report.outcome, what).toBe('cannot_name');
      if (leak.kind === 'unmarked') expect(report.bitsRead, what).toBe(0);
    }
  });
});
