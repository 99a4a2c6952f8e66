/**
 * Streamed puts and reads of the evidence store, on both backends: bytes of any size go in and out
 * without being held whole, hashed on the way; on Ceph a put longer than one part is uploaded in
 * parts and still ends up locked in COMPLIANCE mode (Ceph drops a multipart upload's lock headers).
 */
import { GetObjectRetentionCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectAlreadyExists, ObjectNotFound } from '../../server/errors.ts';
import type { EvidenceStore } from '../../server/storage/evidence-store.ts';
import { LocalWormStore, TMP } from '../../server/storage/local-worm-store.ts';
import { S3WormStore } from '../../server/storage/s3-worm-store.ts';
import { cephS3, createLockedBucket, rawS3Client, type CephS3Settings } from '../helpers/ceph.ts';

const MIB = 1024 * 1024;
/** S3's smallest part: a put of PART_BYTES * 2.5 goes up in three parts. */
const PART_BYTES = 5 * MIB;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const soon = () => new Date(Date.now() + 10 * 60_000);
const uniqueKey = (stem: string) => `t-${randomBytes(4).toString('hex')}/${stem}`;

/** The bytes in uneven chunks, as a socket or a tar packer hands them over. */
function chunked(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, n = 1; at < bytes.length; at += n, n = (n * 7 + 3) % 300_001) chunks.push(bytes.subarray(at, at + n));
  return Readable.from(chunks);
}

/** Gives `good` bytes, then fails: a package whose next segment turned out broken. */
function failingAfter(good: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield good;
      throw new Error('source broke');
    })(),
  );
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-stream-'));
let ceph: CephS3Settings;

const backends: Array<{ kind: string; make(): Promise<EvidenceStore> }> = [
  { kind: 'local', make: async () => new LocalWormStore(await fs.mkdtemp(path.join(scratch, 'store-'))) },
  {
    kind: 's3',
    async make() {
      ceph = await cephS3();
      return S3WormStore.open({ ...ceph, bucket: await createLockedBucket(ceph), forcePathStyle: true, partBytes: PART_BYTES });
    },
  },
];

afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

describe.each(backends)('streamed puts and reads: $kind', ({ make }) => {
  let store: EvidenceStore;
  beforeAll(async () => {
    store = await make();
  }, 120_000);
  afterAll(() => store?.close());

  it.each([
    ['a stream of one part', 300 * 1024],
    ['a stream longer than two parts', 2.5 * PART_BYTES],
    ['nothing at all', 0],
  ])(
    'stores %s, reporting the sha256 and size it measured',
    async (_what, size) => {
      const key = uniqueKey('package.tar');
      const bytes = randomBytes(size);
      const stored = await store.putStreamOnce(key, chunked(bytes), { retainUntil: soon(), contentType: 'application/x-tar' });
      expect([stored.key, stored.sha256, stored.size]).toEqual([key, sha256(bytes), bytes.length]);
      expect((await store.head(key))?.size).toBe(bytes.length);
      expect((await bytesOf(await store.getStream(key))).equals(bytes)).toBe(true);
      expect((await store.get(key)).equals(bytes)).toBe(true);
    },
    60_000,
  );

  it('stores a file by its path', async () => {
    const file = path.join(scratch, `copy-${randomBytes(4).toString('hex')}.mp4`);
    const bytes = randomBytes(PART_BYTES + 1);
    await fs.writeFile(file, bytes);
    const key = uniqueKey('copy.mp4');
    expect((await store.putStreamOnce(key, file, { retainUntil: soon() })).sha256).toBe(sha256(bytes));
    expect((await store.get(key)).equals(bytes)).toBe(true);
  }, 60_000);

  it('refuses a key that exists before reading the source, and keeps the first bytes', async () => {
    const key = uniqueKey('once.tar');
    await store.putStreamOnce(key, Readable.from([Buffer.from('first')]), { retainUntil: soon() });
    let read = false;
    const second = Readable.from(
      (async function* () {
        read = true;
        yield Buffer.from('second');
      })(),
    );
    await expect(store.putStreamOnce(key, second, { retainUntil: soon() })).rejects.toBeInstanceOf(ObjectAlreadyExists);
    expect(read).toBe(false);
    expect(await text(await store.getStream(key))).toBe('first');
  });

  it.each([
    ['within its first part', 1000],
    ['after two parts went up', 2 * PART_BYTES + 1000],
  ])(
    'stores nothing when the source fails %s',
    async (_when, good) => {
      const key = uniqueKey('broken.tar');
      await expect(store.putStreamOnce(key, failingAfter(randomBytes(good)), { retainUntil: soon() })).rejects.toThrow('source broke');
      expect(await store.head(key)).toBeNull();
      expect(await store.list(key)).toEqual([]);
      await expect(store.getStream(key)).rejects.toBeInstanceOf(ObjectNotFound);
    },
    60_000,
  );
});

describe('streamed puts on disk', () => {
  it('leave no temp file behind, finished or failed', async () => {
    const root = await fs.mkdtemp(path.join(scratch, 'store-'));
    const store = new LocalWormStore(root);
    await store.putStreamOnce('a/done.tar', chunked(randomBytes(MIB)), { retainUntil: soon() });
    await expect(store.putStreamOnce('a/failed.tar', failingAfter(randomBytes(MIB)), { retainUntil: soon() })).rejects.toThrow('source broke');
    expect(await fs.readdir(path.join(root, TMP))).toEqual([]);
    expect(await store.list('a/')).toEqual(['a/done.tar']);
  });
});

describe('streamed puts on Ceph', () => {
  it('lock an object uploaded in parts in COMPLIANCE mode until its retention', async () => {
    ceph ??= await cephS3();
    const bucket = await createLockedBucket(ceph);
    const store = await S3WormStore.open({ ...ceph, bucket, forcePathStyle: true, partBytes: PART_BYTES });
    const raw = rawS3Client(ceph);
    try {
      const retainUntil = soon();
      const stored = await store.putStreamOnce('exports/e1/package.tar', chunked(randomBytes(2.5 * PART_BYTES)), { retainUntil });
      const { Retention } = await raw.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: stored.key, VersionId: stored.versionId }));
      expect(Retention?.Mode).toBe('COMPLIANCE');
      expect(Retention!.RetainUntilDate!.getTime()).toBeGreaterThanOrEqual(retainUntil.getTime());
    } finally {
      raw.destroy();
      await store.close();
    }
  }, 120_000);
});
