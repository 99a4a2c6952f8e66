/**
 * Exports of a real recording: a camera's clip sealed by liuhen's sealer, a custodian asks for
 * exports over the real HTTP API, and the worker handlers (run directly, no queue) make them with
 * real ffmpeg. The evidence package is then checked as a court would: unpacked into an empty
 * folder and verified by README.txt's own commands with tar, sha256sum and openssl on a clean PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { LedgerEntry, Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { exportPackage } from '../../workers/export-package.ts';
import { exportPartyCopy } from '../../workers/export-party-copy.ts';
import type { JobContext, WorkerDeps } from '../../workers/job-handler.ts';
import { README_COMMAND_PREFIX } from '../../workers/package-readme.ts';
import { startWorkers } from '../../workers/run-workers.ts';
import { runCli } from '../helpers/cli.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { apiFetch } from '../helpers/http.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';

const CLEAN_ENV = { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' };
const WIDTH = 1280;
const HEIGHT = 720;

let env: Record<string, string>;
let server: RunningServer;
let deps: WorkerDeps;
let recording: Recording;
let segments: LedgerEntry[];
let custodian: SignedIn;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-exports-'));

beforeAll(async () => {
  // Handlers are called directly; workers start only for the command-line test, on a queue of this file's own.
  env = await testEnv({ LIUHEN_WORKERS: 'off', LIUHEN_QUEUE_PREFIX: `liuhen-test-exports-${process.pid}` });
  server = await startTestServer(env);
  const { core } = server;
  const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'E1', unit: 'u1' }, 'test');
  recording = await sealClip(core, device, preparedClip({ seconds: 8, size: `${WIDTH}x${HEIGHT}`, tone: true }));
  segments = (await entriesOf(core.db, recording.id)).filter((e) => e.kind === 'segment');
  deps = workerDepsOf(core, path.join(scratch, 'work'));
  custodian = await signedInUser(server, 'custodian', 'u1', 'EC1');
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const api = (who: SignedIn, route: string, body?: unknown) => apiFetch(server.httpPort, who, route, body);

async function requestExport(body: Record<string, string>): Promise<{ exportId: string; jobId: string }> {
  const res = await api(custodian, `recordings/${recording.id}/exports`, body);
  expect(res.status).toBe(201);
  return (await res.json()) as { exportId: string; jobId: string };
}

function jobContext(jobId: string, seen: number[]): JobContext {
  return { jobId, progress: async (p) => void seen.push(p) };
}

async function download(exportId: string): Promise<Buffer> {
  const res = await api(custodian, `exports/${exportId}/file`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('asking for an export', () => {
  it('lets a custodian of the unit ask, records the request and its job, and refuses others', async () => {
    const outsider = await signedInUser(server, 'custodian', 'u2', 'EC2');
    const commander = await signedInUser(server, 'commander', 'u1', 'EC3');
    expect((await api(outsider, `recordings/${recording.id}/exports`, { kind: 'package' })).status).toBe(403);
    expect((await api(commander, `recordings/${recording.id}/exports`, { kind: 'package' })).status).toBe(403);
    // A party copy without the agency head's approval number is not asked for at all.
    expect((await api(custodian, `recordings/${recording.id}/exports`, { kind: 'party_copy', recipient: '张三' })).status).toBe(400);

    const { exportId, jobId } = await requestExport({ kind: 'package' });
    const row = await server.core.db.selectFrom('exports').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'package', recording_id: recording.id, requested_by: `user:${custodian.userId}`, job_id: jobId, object_key: null });
    const job = await server.core.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ kind: 'export.package', subject: exportId, state: 'waiting' });
    const outbox = await server.core.db.selectFrom('outbox').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(JSON.parse(outbox.payload)).toEqual({ exportId });

    const state = await api(custodian, `exports/${exportId}`);
    expect(await state.json()).toMatchObject({ exportId, kind: 'package', state: 'waiting', progress: 0, ready: false });
    expect((await api(outsider, `exports/${exportId}`)).status).toBe(403);
    const early = await api(custodian, `exports/${exportId}/file`);
    expect([early.status, await early.json()]).toEqual([409, { error: 'export_not_ready' }]);

    const audit = await server.core.audit.query({ subject: recording.id });
    expect(
      audit
        .filter((e) => e.action === 'export.request')
        .map((e) => e.outcome)
        .sort(),
    ).toEqual(['ok', 'refused', 'refused']);
  });
});

describe('the evidence package', () => {
  let exportId: string;
  let tarFile: string;
  const progress: number[] = [];

  beforeAll(async () => {
    let jobId: string;
    ({ exportId, jobId } = await requestExport({ kind: 'package' }));
    await exportPackage({ exportId }, jobContext(jobId, progress), deps);
    tarFile = path.join(scratch, `${exportId}.tar`);
    fs.writeFileSync(tarFile, await download(exportId));
  });

  /** Unpacks the package into a new empty folder with tar alone, as a court's clerk would. */
  function unpack(): string {
    const dir = fs.mkdtempSync(path.join(scratch, 'court-'));
    execFileSync('bash', ['-c', `tar -xf '${tarFile}'`], { cwd: dir, env: CLEAN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    return dir;
  }

  /** Runs every "$ " line of README.txt literally in the folder; returns each command's exit code and output. */
  function readmeCommands(dir: string) {
    const readme = fs.readFileSync(path.join(dir, 'README.txt'), 'utf8');
    const commands = readme
      .split('\n')
      .filter((l) => l.startsWith(README_COMMAND_PREFIX))
      .map((l) => l.slice(README_COMMAND_PREFIX.length));
    return commands.map((command) => {
      // stdin is not a socket: Debian's bash would then read ~/.bashrc as if run by sshd.
      const r = spawnSync('bash', ['-c', command], { cwd: dir, env: CLEAN_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { command, code: r.status, output: r.stdout + r.stderr };
    });
  }

  const flipByte = (file: string, at: number) => {
    const bytes = fs.readFileSync(file);
    bytes[at] = bytes[at]! ^ 0x01;
    fs.writeFileSync(file, bytes);
  };

  it('is stored once, recorded with its hash and size, with progress reported up to 100', async () => {
    const row = await server.core.db.selectFrom('exports').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
    const stored = await deps.store.get(row.object_key!);
    expect(row.object_key).toBe(`exports/${exportId}/package.tar`);
    expect([row.sha256, row.size]).toEqual([sha256Hex(stored), stored.length]);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.length).toBeGreaterThan(segments.length);
    const made = (await server.core.audit.query({ subject: recording.id })).filter((e) => e.action === 'export.made' && e.session_id === exportId);
    expect(made).toHaveLength(1);
    const downloads = (await server.core.audit.query({ subject: recording.id })).filter((e) => e.action === 'export.download' && e.session_id === exportId && e.outcome === 'ok');
    expect(downloads.map((e) => e.bytes)).toEqual([row.size]);
  });

  it('holds every original segment bit for bit, the signed manifest, the key, SHA256SUMS and the README', async () => {
    const dir = unpack();
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: dir })
      .toString()
      .trim()
      .split('\n')
      .map((f) => f.slice(2))
      .sort();
    const fingerprint = deps.signingKey.fingerprint;
    expect(files).toEqual(['README.txt', 'SHA256SUMS', `${fingerprint}.pem`, 'manifest.json', 'manifest.json.sig', ...segments.map((s) => `segments/${String(s.idx).padStart(6, '0')}.ts`)].sort());
    for (const s of segments) {
      const original = await deps.store.get(s.object_key!);
      expect(fs.readFileSync(path.join(dir, 'segments', `${String(s.idx).padStart(6, '0')}.ts`)).equals(original)).toBe(true);
    }
    expect(fs.readFileSync(path.join(dir, 'manifest.json')).equals(await deps.store.get(`recordings/${recording.id}/manifest.json`))).toBe(true);
    const readme = fs.readFileSync(path.join(dir, 'README.txt'), 'utf8');
    expect(readme).toContain('sha256sum -c SHA256SUMS');
    expect(readme).toContain(`openssl pkeyutl -verify -pubin -inkey ${fingerprint}.pem -rawin -in manifest.json -sigfile manifest.json.sig`);
    expect(readme).toMatch(/核验/);
  });

  it('verifies in an empty folder with tar, sha256sum and openssl alone, by the README’s own commands', () => {
    const results = readmeCommands(unpack());
    expect(results.length).toBe(4);
    for (const r of results) expect(r.code, `${r.command}\n${r.output}`).toBe(0);
    expect(results[0]!.output.trim().split('\n')).toHaveLength(segments.length);
    expect(results[1]!.output).toContain('Signature Verified Successfully');
    expect(results[2]!.output).toBe('');
    expect(results[3]!.output).toContain(deps.signingKey.fingerprint);
  });

  it('fails sha256sum -c when one byte of a segment is flipped', () => {
    const dir = unpack();
    flipByte(path.join(dir, 'segments', `${String(segments[1]!.idx).padStart(6, '0')}.ts`), 1000);
    const [sums, signature] = readmeCommands(dir);
    expect(sums!.code).not.toBe(0);
    expect(sums!.output).toMatch(/FAILED/);
    expect(signature!.code).toBe(0);
  });

  it('fails the openssl verification when one byte of manifest.json is flipped', () => {
    const dir = unpack();
    flipByte(path.join(dir, 'manifest.json'), Math.floor(fs.statSync(path.join(dir, 'manifest.json')).size / 2));
    const [, signature] = readmeCommands(dir);
    expect(signature!.code).not.toBe(0);
    expect(signature!.output).toMatch(/Signature Verification Failure/);
  });

  it('is made once: a retried job keeps the stored package', async () => {
    const row = await server.core.db.selectFrom('exports').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
    const again = await exportPackage({ exportId }, jobContext(row.job_id, []), deps);
    expect(again).toEqual({ objectKey: row.object_key, sha256: row.sha256, size: row.size });
  });
});

/** One frame (by index) of a video as 8-bit luma at WIDTH×HEIGHT. */
function greyFrame(input: string, frame: number, inputOptions: string[] = []): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', ...inputOptions, '-i', input, '-vf', `select=eq(n\\,${frame}),scale=${WIDTH}:${HEIGHT}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {
    maxBuffer: 64 << 20,
  });
}

/**
 * How far each 16×16 block of one frame is from the other's: the mean of the signed luma
 * differences, absolute. Per-pixel differences will not do: the camera's test pattern has a patch
 * of fresh random noise in every frame that no encoder keeps, so there two encodes differ by tens
 * of levels pixel by pixel with no watermark at all; block means cancel that noise, but not a box
 * darkening the picture or white text drawn on it.
 */
function blockDifferences(a: Buffer, b: Buffer): { x: number; y: number; diff: number }[] {
  const blocks = [];
  for (let by = 0; by < HEIGHT; by += 16) {
    for (let bx = 0; bx < WIDTH; bx += 16) {
      let sum = 0;
      for (let y = by; y < by + 16; y++) for (let x = bx; x < bx + 16; x++) sum += a[y * WIDTH + x]! - b[y * WIDTH + x]!;
      blocks.push({ x: bx, y: by, diff: Math.abs(sum / 256) });
    }
  }
  return blocks;
}

describe('a party copy', () => {
  const recipient = '张三';
  const approvalNo = '清市监审〔2026〕12号';
  let exportId: string;
  let copyFile: string;
  const progress: number[] = [];

  beforeAll(async () => {
    let jobId: string;
    ({ exportId, jobId } = await requestExport({ kind: 'party_copy', recipient, approvalNo }));
    await exportPartyCopy({ exportId }, jobContext(jobId, progress), deps);
    copyFile = path.join(scratch, `${exportId}.mp4`);
    fs.writeFileSync(copyFile, await download(exportId));
  });

  it('is one H.264/AAC MP4 of the whole recording that starts playing before it has all arrived', async () => {
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', copyFile]).toString()) as {
      format: { format_name: string; duration: string };
      streams: { codec_type: string; codec_name: string; height?: number }[];
    };
    expect(probe.format.format_name).toContain('mp4');
    expect(probe.streams.map((s) => [s.codec_type, s.codec_name]).sort()).toEqual([
      ['audio', 'aac'],
      ['video', 'h264'],
    ]);
    expect(probe.streams.find((s) => s.codec_type === 'video')!.height).toBe(HEIGHT);
    const totalMs = segments.reduce((n, s) => n + s.duration_ms, 0);
    expect(Math.abs(Number(probe.format.duration) * 1000 - totalMs)).toBeLessThan(500);
    // faststart: the index (moov) comes before the media (mdat).
    const head = fs
      .readFileSync(copyFile)
      .subarray(0, 1 << 20)
      .toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat'));
    expect(progress.at(-1)).toBe(100);
    expect(progress.some((p) => p > 50 && p < 100)).toBe(true);
    const made = (await server.core.audit.query({ subject: recording.id })).find((e) => e.action === 'export.made' && e.session_id === exportId);
    expect(JSON.parse(made!.detail)).toMatchObject({ recipient, approvalNo });
  });

  /**
   * The same frame of the copy and of a plain decode of the originals at the same size, compared
   * block by block (blockDifferences). The forensic mark (±3 levels, smooth over the whole frame)
   * and two encodes leave a few levels anywhere; the text on its box leaves tens. Thresholds: a
   * block is marked above 20, untouched below 10; at most 1 % of the blocks above the bottom band
   * may exceed 10, and their mean stays under 2.
   */
  it('carries the burned-in watermark: the frame differs from the original’s in the watermark’s region and not elsewhere', async () => {
    const originals = path.join(scratch, 'originals.ts');
    fs.writeFileSync(originals, Buffer.concat(await Promise.all(segments.map((s) => deps.store.get(s.object_key!)))));
    const frame = 110;
    const blocks = blockDifferences(greyFrame(copyFile, frame), greyFrame(originals, frame));
    const band = (b: { y: number }) => b.y >= HEIGHT * 0.75;
    const outside = blocks.filter((b) => !band(b));
    const marked = blocks.filter((b) => band(b) && b.diff > 20);
    // Two lines of text, centred near the bottom, wider than a third of the frame.
    expect(marked.length).toBeGreaterThan(60);
    expect(Math.min(...marked.map((b) => b.x))).toBeLessThan(WIDTH / 2 - 200);
    expect(Math.max(...marked.map((b) => b.x))).toBeGreaterThan(WIDTH / 2 + 200);
    expect(outside.filter((b) => b.diff > 10).length).toBeLessThanOrEqual(outside.length * 0.01);
    expect(outside.reduce((n, b) => n + b.diff, 0) / outside.length).toBeLessThan(2);
  });
});

describe('a party copy without its font', () => {
  it('fails at once with a message naming the font, instead of burning boxes into the copy', async () => {
    const { exportId, jobId } = await requestExport({ kind: 'party_copy', recipient: '李四', approvalNo: '清市监审〔2026〕13号' });
    const missing = path.join(scratch, 'no-such-font.ttc');
    const attempt = exportPartyCopy({ exportId }, jobContext(jobId, []), { ...deps, fontFile: missing });
    await expect(attempt).rejects.toThrow(missing);
    await expect(attempt).rejects.toMatchObject({ code: 'font_not_found' });
  });
});

describe('liuhen export package … --out', () => {
  it('asks for the package, shows its progress while a worker makes it, writes the file and prints its sha256', async () => {
    const workers = await startWorkers(server.core);
    try {
      const out = path.join(scratch, 'from-cli.tar');
      const r = await runCli(['export', 'package', recording.id, '--out', out], env);
      expect(r.code, r.stderr).toBe(0);
      const bytes = fs.readFileSync(out);
      expect(r.stdout).toBe(`${sha256Hex(bytes)}  ${out}\n`);
      // stderr is a pipe here: a line per 10 % (and per state) instead of a redrawn bar.
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^export exp-[a-z0-9]+ \\(job job-[a-z0-9]+\\) of ${recording.id}$`));
      // A loaded machine may take a while to start the job: the hint then says so, once.
      const progress = lines.slice(1).filter((l) => !l.startsWith('still waiting for a worker: '));
      expect(lines.length - 1 - progress.length).toBeLessThanOrEqual(1);
      for (const line of progress) expect(line).toMatch(/^ {0,2}\d{1,3} % (waiting|active|completed)$/);
      expect(lines.at(-1)).toBe('100 % completed');
      const exportId = lines[0]!.split(' ')[1]!;
      const row = await server.core.db.selectFrom('exports').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ kind: 'package', requested_by: expect.stringMatching(/^cli:/), sha256: sha256Hex(bytes), size: bytes.length });
      const downloads = (await server.core.audit.query({ subject: recording.id })).filter((e) => e.action === 'export.download' && e.session_id === exportId);
      expect(downloads.map((e) => [e.actor.startsWith('cli:'), e.bytes])).toEqual([[true, bytes.length]]);
    } finally {
      await workers.close();
    }
  });
});
