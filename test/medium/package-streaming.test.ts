/**
 * An evidence package is streamed into the store as it is made. On S3 one bigger than a part goes
 * up in parts and must still come out locked and verifying; and a segment found broken only when
 * its turn comes must leave nothing: the job fails naming the segment, and no package (nor a part
 * of one) is stored. Recordings are prepared clips sealed straight through the sealer.
 */
import { GetObjectRetentionCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../server/db/schema.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import { type Core, openCore } from '../../server/core.ts';
import { TMP } from '../../server/storage/local-worm-store.ts';
import { writeHashed } from '../../server/storage/stream-hash.ts';
import { exportPackage } from '../../workers/export-package.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { cephS3, rawS3Client, s3StoreEnv } from '../helpers/ceph.ts';
import { verifyPackage } from '../helpers/evidence-package.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { configFrom, testEnv } from '../helpers/server.ts';

const MB = 1024 * 1024;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-package-streaming-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A core of its own over a new data dir, with one bodycam's recording sealed from `clip`. */
function withRecording(clip: () => ReturnType<typeof preparedClip>, overrides: () => Promise<Record<string, string>> = async () => ({})) {
  const the = {} as { env: Record<string, string>; core: Core; recording: Recording };
  beforeAll(async () => {
    the.env = await testEnv(await overrides());
    the.core = await openCore(configFrom(the.env));
    const { device } = await the.core.devices.add({ kind: 'bodycam', officerBadge: 'B1', unit: 'u1' }, 'test');
    the.recording = await sealClip(the.core, device, clip());
  }, 180_000);
  afterAll(async () => {
    await the.core?.close();
    if (the.env) fs.rmSync(the.env.LIUHEN_DATA_DIR!, { recursive: true, force: true });
  });
  return the;
}

async function makePackage(core: Core, recording: Recording) {
  const { exportId, jobId } = await core.exportRequests.create(recording, { kind: 'package' }, { actor: 'test' });
  const progress: number[] = [];
  const deps = workerDepsOf(core, fs.mkdtempSync(path.join(scratch, 'work-')));
  const made = exportPackage({ exportId }, { jobId, progress: async (p) => void progress.push(p) }, deps);
  return { exportId, progress, made };
}

describe('an evidence package on the S3 store, bigger than an upload part', () => {
  const the = withRecording(
    () => preparedClip({ seconds: 2, size: '1280x720', noise: true }),
    async () => s3StoreEnv(await cephS3()),
  );

  it('goes up in parts, locked in COMPLIANCE mode, and verifies', async () => {
    const { exportId, made } = await makePackage(the.core, the.recording);
    const { objectKey, sha256, size } = (await made) as { objectKey: string; sha256: string; size: number };
    expect(size).toBeGreaterThan(32 * MB);
    const raw = rawS3Client(await cephS3());
    try {
      const { Retention } = await raw.send(new GetObjectRetentionCommand({ Bucket: the.env.LIUHEN_S3_BUCKET, Key: objectKey }));
      expect(Retention?.Mode).toBe('COMPLIANCE');
    } finally {
      raw.destroy();
    }
    const tarFile = path.join(scratch, `${exportId}.tar`);
    expect(await writeHashed(await the.core.store.getStream(objectKey), tarFile)).toEqual({ sha256, size });
    const results = verifyPackage(tarFile, path.join(scratch, 'court'));
    expect(results).toHaveLength(4);
    for (const r of results) expect(r.code, `${r.command}\n${r.output}`).toBe(0);
  }, 180_000);
});

describe('an evidence package of a recording whose last segment was altered in the store', () => {
  const the = withRecording(() => preparedClip({ seconds: 6 }));

  it('fails naming the segment and stores nothing, though the segments before it were already packed', async () => {
    const { env, core, recording } = the;
    const storeRoot = path.join(env.LIUHEN_DATA_DIR!, 'evidence');
    const last = path.join(storeRoot, objectKeys.segment(recording.id, recording.entry_count));
    const bytes = fs.readFileSync(last);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0x01;
    // What root (or a disk) can do to a read-only file in the local store.
    fs.writeFileSync(last, bytes);

    const { exportId, progress, made } = await makePackage(core, recording);
    await expect(made).rejects.toThrow(`segment ${recording.entry_count} does not hash to the manifest's sha256`);
    expect(progress.length, 'earlier segments were packed').toBeGreaterThan(0);
    expect(await core.store.list(`exports/${exportId}/`)).toEqual([]);
    expect(fs.readdirSync(path.join(storeRoot, TMP))).toEqual([]);
    const row = await core.db.selectFrom('exports').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
    expect([row.object_key, row.sha256]).toEqual([null, null]);
  });
});
