import { DeleteObjectCommand, GetObjectLegalHoldCommand, GetObjectRetentionCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumMismatch, InvalidObjectKey, ObjectAlreadyExists, StoreNotWorm } from '../../server/errors.ts';
import type { EvidenceStore } from '../../server/storage/evidence-store.ts';
import { LocalWormStore } from '../../server/storage/local-worm-store.ts';
import { S3WormStore } from '../../server/storage/s3-worm-store.ts';
import { cephS3, createBucket, createLockedBucket, randomBucketName, rawS3Client, type CephS3Settings } from '../helpers/ceph.ts';

const CEPH_START_TIMEOUT = 120_000;

interface Backend {
  store: EvidenceStore;
  cleanup(): Promise<void>;
}

const backends: Array<{ kind: string; make(): Promise<Backend> }> = [
  {
    kind: 'local',
    async make() {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-store-'));
      return {
        store: new LocalWormStore(dir),
        // The store makes everything read-only; rm needs the directories writable, which they are.
        cleanup: () => fs.rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    kind: 's3',
    async make() {
      const s = await cephS3();
      const store = await S3WormStore.open(s3Opts(s, await createLockedBucket(s)));
      // Compliance-locked objects cannot be removed; the in-RAM cluster forgets them on stop.
      return { store, cleanup: async () => {} };
    },
  },
];

function s3Opts(s: CephS3Settings, bucket: string) {
  return { ...s, bucket, forcePathStyle: true };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Short, so the locked objects of test runs do not pile up beyond a cluster's lifetime. */
function soon(): Date {
  return new Date(Date.now() + 10 * 60_000);
}

function uniqueKey(stem: string): string {
  return `t-${randomBytes(4).toString('hex')}/${stem}`;
}

async function put(store: EvidenceStore, key: string, bytes: Buffer) {
  return store.putOnce(key, bytes, { sha256: sha256(bytes), retainUntil: soon() });
}

describe.each(backends)('EvidenceStore contract: $kind', ({ make }) => {
  let store: EvidenceStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await make());
  }, CEPH_START_TIMEOUT);

  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('returns the same bytes it stored, and head reports size and sha256', async () => {
    const key = uniqueKey('segment-0001.ts');
    const bytes = randomBytes(64 * 1024);
    const retainUntil = soon();
    const info = await store.putOnce(key, bytes, { sha256: sha256(bytes), retainUntil });
    expect(info).toMatchObject({ key, size: bytes.length, sha256: sha256(bytes) });

    expect((await store.get(key)).equals(bytes)).toBe(true);
    const head = await store.head(key);
    expect(head).toMatchObject({ key, size: bytes.length, sha256: sha256(bytes) });
    expect(head?.retainUntil?.getTime()).toBeGreaterThanOrEqual(retainUntil.getTime());
  });

  it('refuses a second put of the same key and keeps the first bytes', async () => {
    const key = uniqueKey('once.ts');
    const first = Buffer.from('original evidence');
    const second = Buffer.from('tampered evidence');
    await put(store, key, first);

    await expect(put(store, key, second)).rejects.toBeInstanceOf(ObjectAlreadyExists);
    await expect(put(store, key, first)).rejects.toBeInstanceOf(ObjectAlreadyExists);
    expect((await store.get(key)).equals(first)).toBe(true);
    expect((await store.head(key))?.sha256).toBe(sha256(first));
  });

  it('refuses bytes that do not match the sha256 and stores nothing', async () => {
    const key = uniqueKey('bad.ts');
    const bytes = Buffer.from('some bytes');
    await expect(store.putOnce(key, bytes, { sha256: sha256(Buffer.from('other bytes')), retainUntil: soon() })).rejects.toBeInstanceOf(ChecksumMismatch);
    expect(await store.head(key)).toBeNull();
    expect(await store.list(key)).toEqual([]);
  });

  it.each(['../escape', 'a/../../b', '/etc/passwd', '', 'a//b', './a', 'a/'])('refuses the key %j', async (key) => {
    const bytes = Buffer.from('x');
    await expect(put(store, key, bytes)).rejects.toBeInstanceOf(InvalidObjectKey);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidObjectKey);
  });

  it('lists keys by prefix, sorted', async () => {
    const root = `list-${randomBytes(4).toString('hex')}`;
    const keys = [`${root}/abc/2.ts`, `${root}/abc/1.ts`, `${root}/abc/sub/3.ts`, `${root}/abcd/x.ts`, `${root}/other.ts`];
    for (const k of keys) await put(store, k, Buffer.from(k));

    expect(await store.list(`${root}/abc/`)).toEqual([`${root}/abc/1.ts`, `${root}/abc/2.ts`, `${root}/abc/sub/3.ts`]);
    expect(await store.list(`${root}/abc`)).toEqual([`${root}/abc/1.ts`, `${root}/abc/2.ts`, `${root}/abc/sub/3.ts`, `${root}/abcd/x.ts`]);
    expect(await store.list(`${root}/`)).toHaveLength(keys.length);
    expect(await store.list(`${root}/none/`)).toEqual([]);
  });

  it('has no way to delete or remove anything but retention expiry', () => {
    const names: string[] = [];
    for (let o: object | null = store; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const name of Object.getOwnPropertyNames(o)) {
        if (typeof (o as Record<string, unknown>)[name] === 'function') names.push(name);
      }
    }
    expect(names).toContain('putOnce');
    expect(names.filter((n) => /delete|remove|unlink/i.test(n))).toEqual(['deleteExpired']);
  });
});

describe('LocalWormStore on disk', () => {
  let dir: string;
  let store: LocalWormStore;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-local-'));
    store = new LocalWormStore(dir);
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('stores objects read-only with a metadata sidecar', async () => {
    const bytes = Buffer.from('evidence');
    const retainUntil = soon();
    await store.putOnce('rec/a/seg.ts', bytes, { sha256: sha256(bytes), retainUntil });

    expect((await fs.stat(path.join(dir, 'rec/a/seg.ts'))).mode & 0o777).toBe(0o444);
    const metaPath = path.join(dir, '.meta/rec/a/seg.ts.json');
    expect((await fs.stat(metaPath)).mode & 0o777).toBe(0o444);
    expect(JSON.parse(await fs.readFile(metaPath, 'utf8'))).toMatchObject({
      sha256: sha256(bytes),
      size: bytes.length,
      retainUntil: retainUntil.toISOString(),
    });
    expect(await fs.readdir(path.join(dir, '.tmp'))).toEqual([]);
    expect(await store.list('')).toEqual(['rec/a/seg.ts']);
  });

  it('keeps legal-hold changes as an append-only history', async () => {
    const bytes = Buffer.from('held');
    await store.putOnce('rec/held.ts', bytes, { sha256: sha256(bytes), retainUntil: soon() });
    await store.setLegalHold('rec/held.ts', true);
    await store.setLegalHold('rec/held.ts', false);

    const holds = (await fs.readdir(path.join(dir, '.meta/rec'))).filter((n) => n.startsWith('held.ts.hold-'));
    expect(holds).toHaveLength(2);
    expect(await store.head('rec/held.ts')).toMatchObject({ size: bytes.length });
  });
});

describe('S3WormStore on Ceph', () => {
  let s: CephS3Settings;

  beforeAll(async () => {
    s = await cephS3();
  }, CEPH_START_TIMEOUT);

  it('refuses to open a bucket without Object Lock', async () => {
    const bucket = await createBucket(s, randomBucketName('liuhen-plain'), false);
    await expect(S3WormStore.open(s3Opts(s, bucket))).rejects.toBeInstanceOf(StoreNotWorm);
    await expect(S3WormStore.open(s3Opts(s, bucket))).rejects.toThrow(bucket);
  });

  describe('with a locked bucket', () => {
    let bucket: string;
    let store: S3WormStore;
    const raw = () => rawS3Client(s);

    beforeAll(async () => {
      bucket = await createLockedBucket(s);
      store = await S3WormStore.open(s3Opts(s, bucket));
    });

    afterAll(() => store?.close());

    it('seals objects in COMPLIANCE mode: even a versioned delete with bypass is refused', async () => {
      const key = uniqueKey('sealed.ts');
      const bytes = Buffer.from('sealed evidence');
      const info = await put(store, key, bytes);
      expect(info.versionId).toBeTruthy();
      expect((await store.head(key))?.versionId).toBe(info.versionId);

      const client = raw();
      try {
        const ret = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: info.versionId }));
        expect(ret.Retention?.Mode).toBe('COMPLIANCE');
        await expect(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: info.versionId, BypassGovernanceRetention: true }))).rejects.toMatchObject({ name: 'AccessDenied' });
      } finally {
        client.destroy();
      }
      expect((await store.get(key)).equals(bytes)).toBe(true);
    });

    it('refuses to report success when the server drops the lock headers', async () => {
      // What Ceph does to multipart uploads: accept Object Lock headers, store the object unlocked.
      const key = uniqueKey('unlocked.ts');
      const client = (store as unknown as { client: { send(cmd: { input: object }): Promise<unknown> } }).client;
      const send = client.send.bind(client);
      client.send = (cmd) => {
        if (cmd instanceof PutObjectCommand) {
          const input = cmd.input as { ObjectLockMode?: string; ObjectLockRetainUntilDate?: Date };
          delete input.ObjectLockMode;
          delete input.ObjectLockRetainUntilDate;
        }
        return send(cmd);
      };
      try {
        await expect(put(store, key, Buffer.from('unlocked'))).rejects.toBeInstanceOf(StoreNotWorm);
      } finally {
        client.send = send;
      }
    });

    it('places and lifts a legal hold', async () => {
      const key = uniqueKey('held.ts');
      await put(store, key, Buffer.from('held'));
      const client = raw();
      try {
        await store.setLegalHold(key, true);
        expect((await client.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key }))).LegalHold?.Status).toBe('ON');
        await store.setLegalHold(key, false);
        expect((await client.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key }))).LegalHold?.Status).toBe('OFF');
      } finally {
        client.destroy();
      }
    });
  });
});
