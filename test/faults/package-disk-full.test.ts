/**
 * A store that stops taking bytes half-way through an evidence package (the local store's volume
 * full): the job fails with the disk's error instead of waiting for ever on an archive nobody reads,
 * and nothing of the package is stored. The segments are read slowly, as from a busy disk: the
 * failure then lands while the package waits for a segment's next chunk, as it did once in a loaded
 * full run (the job hung instead of failing).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { type Core, openCore } from '../../server/core.ts';
import type { EvidenceStore } from '../../server/storage/evidence-store.ts';
import { TMP } from '../../server/storage/local-worm-store.ts';
import { exportPackage } from '../../workers/export-package.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { configFrom, testEnv } from '../helpers/server.ts';

const MIB = 1024 * 1024;
const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-tmpfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  // Not root: the test below says so instead of passing.
}

/** The store, its segment reads a chunk every 20 ms. */
function slowReads(store: EvidenceStore): EvidenceStore {
  async function* late(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      await sleep(20);
      yield chunk;
    }
  }
  const getStream = async (key: string) => Readable.from(late(await store.getStream(key)));
  return new Proxy(store, {
    get: (target, name) => {
      if (name === 'getStream') return getStream;
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let core: Core | undefined;
afterAll(async () => {
  await core?.close();
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
});

describe('an evidence package whose store fills up half-way', () => {
  it('fails the job with the disk error and stores nothing', async () => {
    expect(mounted, 'this test mounts a tmpfs and must run as root (CI does)').toBe(true);
    const env = await testEnv({ LIUHEN_DATA_DIR: path.join(mountPoint, 'data'), LIUHEN_DISK_RESERVE_MB: '1' });
    core = await openCore(configFrom(env));
    const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'PF1', unit: 'u1' }, 'test');
    const recording = await sealClip(core, device, preparedClip({ seconds: 2, size: '1280x720', noise: true }));
    const sealed = recording.entry_count;
    // Room for the package's first megabytes, not for all of it.
    const free = fs.statfsSync(mountPoint);
    const filler = path.join(mountPoint, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - 4 * MIB)));

    const { exportId, jobId } = await core.exportRequests.create(recording, { kind: 'package' }, { actor: 'test' });
    const deps = workerDepsOf(core, fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-package-work-')));
    deps.store = slowReads(core.store);
    await expect(exportPackage({ exportId }, { jobId, progress: async () => undefined }, deps)).rejects.toThrow(/ENOSPC|no space/i);

    expect(await core.store.list(`exports/${exportId}/`)).toEqual([]);
    expect(fs.readdirSync(path.join(env.LIUHEN_DATA_DIR!, 'evidence', TMP))).toEqual([]);
    // The evidence itself is untouched.
    fs.rmSync(filler);
    expect((await core.db.selectFrom('recordings').select('entry_count').where('id', '=', recording.id).executeTakeFirstOrThrow()).entry_count).toBe(sealed);
  }, 120_000);
});
