import { DeleteObjectCommand, GetObjectLegalHoldCommand, GetObjectRetentionCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectRetained, type EvidenceStore } from '../../server/storage/evidence-store.ts';
import { LocalWormStore } from '../../server/storage/local-worm-store.ts';
import { S3WormStore } from '../../server/storage/s3-worm-store.ts';
import { cephS3, createLockedBucket, rawS3Client, type CephS3Settings } from '../helpers/ceph.ts';

const CEPH_START_TIMEOUT = 120_000;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Ceph keeps lock dates to the second: a date a few whole seconds ahead. */
function inSeconds(s: number): Date {
  return new Date((Math.ceil(Date.now() / 1000) + s) * 1000);
}

async function until(date: Date): Promise<void> {
  const wait = date.getTime() - Date.now() + 1100;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

async function put(store: EvidenceStore, key: string, retainUntil: Date): Promise<Buffer> {
  const bytes = randomBytes(1024);
  await store.putOnce(key, bytes, { sha256: sha256(bytes), retainUntil });
  return bytes;
}

const key = (stem: string) => `t-${randomBytes(4).toString('hex')}/${stem}`;

const backends: Array<{ kind: string; open(): Promise<{ store: EvidenceStore; cleanup(): Promise<void> }> }> = [
  {
    kind: 'local',
    async open() {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-retention-'));
      return { store: new LocalWormStore(dir), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    kind: 's3',
    async open() {
      const s = await cephS3();
      return { store: await S3WormStore.open({ ...s, bucket: await createLockedBucket(s), forcePathStyle: true }), cleanup: async () => {} };
    },
  },
];

// Each store waits out its own lock dates: the three run side by side, the tests of each in order.
describe.concurrent.each(backends)('retention in the store: $kind', ({ open }) => {
  let store: EvidenceStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await open());
  }, CEPH_START_TIMEOUT);

  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it.sequential('extends a lock date and never shortens it', async () => {
    const k = key('extend.ts');
    const first = inSeconds(600);
    await put(store, k, first);
    const later = inSeconds(7200);
    expect((await store.extendRetention(k, later)).getTime()).toBe(later.getTime());
    expect((await store.head(k))?.retainUntil?.getTime()).toBe(later.getTime());
    // An earlier date leaves the later one in force.
    expect((await store.extendRetention(k, first)).getTime()).toBe(later.getTime());
    expect((await store.head(k))?.retainUntil?.getTime()).toBe(later.getTime());
  });

  it.sequential(
    'deletes only after the lock date, and a held object only once the hold is lifted',
    async () => {
      const date = inSeconds(3);
      const [locked, extended, held] = [key('locked.ts'), key('extended.ts'), key('held.ts')];
      for (const k of [locked, extended, held]) await put(store, k, date);
      await store.setLegalHold(held, true);
      expect(await store.head(held)).toMatchObject({ legalHold: true });

      await expect(store.deleteExpired(locked)).rejects.toMatchObject({ code: 'object_retained' });
      await expect(store.deleteExpired(locked)).rejects.toBeInstanceOf(ObjectRetained);
      await store.extendRetention(extended, inSeconds(3600));
      await until(date);

      expect(await store.deleteExpired(locked)).toBe(true);
      expect(await store.head(locked)).toBeNull();
      expect(await store.list(locked)).toEqual([]);
      // Run again (an expiry resumed after a crash): nothing left, no error.
      expect(await store.deleteExpired(locked)).toBe(false);

      await expect(store.deleteExpired(extended)).rejects.toMatchObject({ code: 'object_retained' });
      expect(await store.head(extended)).not.toBeNull();

      await expect(store.deleteExpired(held)).rejects.toMatchObject({ code: 'object_held' });
      expect(await store.head(held)).not.toBeNull();
      await store.setLegalHold(held, false);
      expect(await store.deleteExpired(held)).toBe(true);
      expect(await store.head(held)).toBeNull();
    },
    30_000,
  );
});

describe.concurrent('Ceph itself refuses, whatever liuhen checks', () => {
  let s: CephS3Settings;
  let bucket: string;
  let store: S3WormStore;

  beforeAll(async () => {
    s = await cephS3();
    bucket = await createLockedBucket(s);
    store = await S3WormStore.open({ ...s, bucket, forcePathStyle: true });
  }, CEPH_START_TIMEOUT);

  afterAll(() => store?.close());

  it('refuses a raw versioned delete before the extended date and under a hold after it', async () => {
    const date = inSeconds(3);
    const [extended, held] = [key('extended.ts'), key('held.ts')];
    for (const k of [extended, held]) await put(store, k, date);
    const later = inSeconds(3600);
    await store.extendRetention(extended, later);
    await store.setLegalHold(held, true);
    await until(date);

    const client = rawS3Client(s);
    try {
      for (const k of [extended, held]) {
        const versionId = (await store.head(k))!.versionId;
        await expect(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: k, VersionId: versionId, BypassGovernanceRetention: true }))).rejects.toMatchObject({ name: 'AccessDenied' });
      }
      const retention = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: extended }));
      expect(retention.Retention).toMatchObject({ Mode: 'COMPLIANCE' });
      expect(retention.Retention?.RetainUntilDate?.getTime()).toBe(later.getTime());
      expect((await client.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: held }))).LegalHold?.Status).toBe('ON');
    } finally {
      client.destroy();
    }
    expect(await store.head(extended)).not.toBeNull();
    expect(await store.head(held)).not.toBeNull();
  }, 30_000);
});
