/**
 * An evidence package of hours stays out of memory (issue 16): a recording with 400 MB of segments,
 * sealed from a prepared clip, is packaged by `liuhen up` as production runs it (its own workers,
 * the real queue) and downloaded over HTTP, while the server's resident memory, read from /proc
 * every 100 ms, grows by less than 100 MB. Held whole, the package alone would be 400 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../server/db/schema.ts';
import { type Core, openCore } from '../../server/core.ts';
import { hashStream } from '../../server/storage/stream-hash.ts';
import { verifyPackage } from '../helpers/evidence-package.ts';
import { apiFetch } from '../helpers/http.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { configFrom, testEnv } from '../helpers/server.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

const MB = 1024 * 1024;
const BULK = 400 * MB;
const GROWTH_LIMIT = 100 * MB;

let env: Record<string, string>;
let core: Core;
let server: ServerProcess;
let recording: Recording;
let custodian: SignedIn;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-package-memory-'));

beforeAll(async () => {
  env = await testEnv({ LIUHEN_WORKERS: 'in-process' });
  // Sealed by a core of the test's own, before the server starts: what the server finds on disk is a recording like any other.
  core = await openCore(configFrom(env));
  const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'M1', unit: 'u1' }, 'test');
  const clip = preparedClip({ seconds: 2, size: '1280x720', noise: true });
  const clipBytes = clip.files.reduce((n, f) => n + fs.statSync(f).size, 0);
  recording = await sealClip(core, device, clip, { times: Math.ceil(BULK / clipBytes) });
  // Its derivatives (minutes of encoding noise) are not what this test measures, and segment.derive outranks exports.
  const derives = (await core.db.selectFrom('jobs').select('id').where('subject', '=', recording.id).execute()).map((j) => j.id);
  await core.db.deleteFrom('outbox').where('id', 'in', derives).execute();
  await core.db.deleteFrom('jobs').where('id', 'in', derives).execute();
  server = await startServerProcess(env);
  custodian = await signedInUser({ core, httpPort: Number(env.LIUHEN_HTTP_PORT) }, 'custodian', 'u1', 'MC1');
}, 600_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await core?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  if (env) fs.rmSync(env.LIUHEN_DATA_DIR!, { recursive: true, force: true });
});

const api = (route: string, body?: unknown) => apiFetch(Number(env.LIUHEN_HTTP_PORT), custodian, route, body);

/** Resident memory of a process, in bytes. */
function rss(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** The highest RSS seen every 100 ms until stop(). */
function peakRss(pid: number): { stop(): number } {
  let peak = rss(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rss(pid))), 100);
  return { stop: () => (clearInterval(timer), Math.max(peak, rss(pid))) };
}

describe('an evidence package of 400 MB of segments', () => {
  it('is made and downloaded while the server grows by less than 100 MB, and verifies', async () => {
    const segments = await core.db
      .selectFrom('ledger_entries')
      .select(({ fn }) => fn.sum<number>('size').as('bytes'))
      .where('recording_id', '=', recording.id)
      .executeTakeFirstOrThrow();
    expect(Number(segments.bytes)).toBeGreaterThanOrEqual(BULK);

    const pid = server.child.pid!;
    const before = rss(pid);
    const sampling = peakRss(pid);
    const asked = await api(`recordings/${recording.id}/exports`, { kind: 'package' });
    expect(asked.status).toBe(201);
    const { exportId } = (await asked.json()) as { exportId: string };
    const made = await waitFor(
      'the package job to end',
      async () => {
        const s = (await (await api(`exports/${exportId}`)).json()) as { state: string; ready: boolean; error: string | null; sha256: string; size: number };
        return s.ready || s.state === 'failed' ? s : undefined;
      },
      600_000,
      500,
    );
    expect(made.error).toBeNull();
    const tarFile = path.join(scratch, 'package.tar');
    const download = await api(`exports/${exportId}/file`);
    expect(download.status).toBe(200);
    await pipeline(Readable.fromWeb(download.body! as WebReadableStream), fs.createWriteStream(tarFile));
    const peak = sampling.stop();

    const growth = `RSS ${(before / MB).toFixed(0)} MB before, ${(peak / MB).toFixed(0)} MB at most: grew ${((peak - before) / MB).toFixed(0)} MB`;
    console.log(`package-memory: ${growth} for a ${(made.size / MB).toFixed(0)} MB package`);
    expect(peak - before, growth).toBeLessThan(GROWTH_LIMIT);

    expect(await hashStream(fs.createReadStream(tarFile))).toEqual({ sha256: made.sha256, size: made.size });
    const results = verifyPackage(tarFile, path.join(scratch, 'court'));
    fs.rmSync(tarFile);
    expect(results).toHaveLength(4);
    for (const r of results) expect(r.code, `${r.command}\n${r.output}`).toBe(0);
  }, 900_000);
});
