/**
 * The data volume fills while a camera publishes (a small tmpfs, as root). The server must stay
 * up, refuse a new publish with the reason while the open recording seals into the reserve, never
 * seal an empty or cut-short segment, and once space is freed continue the same recording with a
 * gap whose cause is the full disk. `liuhen verify` passes afterwards.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { segmentDefect } from '../../server/ingest/spool-part.ts';
import { runCli } from '../helpers/cli.ts';
import { publish, type Publisher } from '../helpers/publisher.ts';
import { entriesOf, recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const MIB = 1024 * 1024;
const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-tmpfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  // Not root: the test below says so instead of passing.
}

let server: ServerProcess | undefined;
let db: Db | undefined;
const cameras: Publisher[] = [];
afterAll(async () => {
  cameras.forEach((c) => c.stop());
  server?.child.kill('SIGKILL');
  await server?.exited;
  await db?.destroy();
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
});

function freeBytes(dir: string): number {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
}

/** Takes all but `leave` bytes of the volume; returns the filler's path. */
function fill(dir: string, name: string, leave: number): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(MIB, 0xaa);
  try {
    for (;;) {
      const room = freeBytes(dir) - leave;
      if (room <= 0) break;
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, room));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

async function httpOk(port: number, route: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`).catch(() => undefined);
  return res?.status === 200;
}

describe('a full data disk while a camera publishes', () => {
  it('stays up, refuses new publishes with the reason, seals nothing short, and continues with a disk_full gap', async () => {
    expect(mounted, 'this test mounts a tmpfs and must run as root (CI does)').toBe(true);
    const dataDir = path.join(mountPoint, 'data');
    const env = await testEnv({ LIUHEN_DATA_DIR: dataDir, LIUHEN_DISK_RESERVE_MB: '8', LIUHEN_GRACE_SECONDS: '3', LIUHEN_LOG_LEVEL: 'info' });
    const addCamera = async (badge: string) => {
      const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', badge], env);
      expect(added.code, added.stderr).toBe(0);
      return { url: /publish URL[^:]*: (\S+)/.exec(added.stdout)![1]!, id: /device (\S+)/.exec(added.stdout)![1]! };
    };
    const a = await addCamera('DF1');
    const b = await addCamera('DF2');
    server = await startServerProcess(env);
    const port = Number(env.LIUHEN_HTTP_PORT);
    db = await openDatabase(`sqlite:${path.join(dataDir, 'liuhen.sqlite')}`);
    const segments = async () => (await recordingsOf(db!, a.id)).reduce((n, r) => n + r.segment_count, 0);

    const cameraA = publish(a.url, 120);
    cameras.push(cameraA);
    await waitFor('three sealed segments', async () => (await segments()) >= 3, 60_000);

    // Below the reserve: a new camera is refused, the open recording goes on in the reserve.
    const nearlyFull = fill(mountPoint, 'filler-1', 4 * MIB);
    await waitFor(
      'the server to see the reserve crossed',
      async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return /liuhen_disk_reserve_low\{volume="data"\} 1/.test(metrics);
      },
      10_000,
    );
    const cameraB = publish(b.url, 30);
    cameras.push(cameraB);
    expect(await cameraB.exited).not.toBe(0);
    const refusals = await waitFor(
      'the refusal in the audit',
      async () => {
        const rows = await db!.selectFrom('audit_events').selectAll().where('action', '=', 'ingest.publish').where('outcome', '=', 'refused').execute();
        return rows.filter((r) => r.detail.includes('disk_reserve')).length > 0 ? rows : undefined;
      },
      10_000,
    );
    expect(refusals.some((r) => r.detail.includes(b.id) || r.subject === b.id)).toBe(true);
    const beforeFull = await segments();
    await waitFor('sealing into the reserve', async () => (await segments()) >= beforeFull + 2, 30_000);

    // Full: every write fails for a while.
    const full = fill(mountPoint, 'filler-2', 0);
    const stalledAt = await segments();
    for (let i = 0; i < 8; i++) {
      expect(await httpOk(port, '/healthz'), 'healthz while the disk is full').toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(server.child.exitCode).toBeNull();

    fs.rmSync(full);
    fs.rmSync(nearlyFull);
    await waitFor('the recording to continue after space is freed', async () => (await segments()) >= stalledAt + 3, 60_000);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/liuhen_escaped_errors_total 0\b/);

    cameraA.stop();
    const recordings = await waitForClosed(db, a.id, 1, 60_000);
    const entries = await entriesOf(db, recordings[0]!.id);
    const gaps = entries.filter((e) => e.kind === 'gap');
    expect(gaps.map((g) => g.cause)).toContain('disk_full');
    const sealed = entries.filter((e) => e.kind === 'segment');
    for (const e of sealed) {
      const bytes = fs.readFileSync(path.join(dataDir, 'evidence', ...e.object_key!.split('/')));
      expect(bytes.length, e.object_key!).toBe(e.size);
      expect(segmentDefect(bytes), e.object_key!).toBeUndefined();
    }
    expect(fs.readdirSync(path.join(dataDir, 'evidence', '.tmp'))).toEqual([]);
    expect(server.child.exitCode).toBeNull();

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;
    const verified = await runCli(['verify', recordings[0]!.id], env);
    expect(verified.stdout).toMatch(/intact/);
    expect(verified.code).toBe(0);
  });
});
