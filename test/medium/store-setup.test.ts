/**
 * The s3 store from scratch, as an operator meets it on a real Ceph RGW: a bucket that does not
 * exist yet, `liuhen store init` making it, and every start-up refusal naming the endpoint, the
 * bucket and what is wrong.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreNotWorm, StoreUnusable } from '../../server/errors.ts';
import { openStore } from '../../server/storage/open-store.ts';
import { S3WormStore } from '../../server/storage/s3-worm-store.ts';
import { cephS3, createBucket, randomBucketName, type CephS3Settings } from '../helpers/ceph.ts';
import { runCli } from '../helpers/cli.ts';
import { configFrom, testEnv } from '../helpers/server.ts';

const CEPH_START_TIMEOUT = 120_000;
const CLI_TIMEOUT = 60_000;

let s: CephS3Settings;
beforeAll(async () => {
  s = await cephS3();
}, CEPH_START_TIMEOUT);

function s3Env(bucket: string, overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  return testEnv({
    LIUHEN_STORE: 's3',
    LIUHEN_S3_ENDPOINT: s.endpoint,
    LIUHEN_S3_REGION: s.region,
    LIUHEN_S3_BUCKET: bucket,
    LIUHEN_S3_ACCESS_KEY_ID: s.accessKeyId,
    LIUHEN_S3_SECRET_ACCESS_KEY: s.secretAccessKey,
    LIUHEN_RETENTION_UNLINKED_DAYS: '1',
    ...overrides,
  });
}

describe('an S3 bucket that does not exist yet', () => {
  it(
    '`up` refuses naming the bucket and `store init`; init makes it, a second init finds it fine, and then the store takes a put',
    async () => {
      const bucket = randomBucketName('liuhen-fresh');
      const env = await s3Env(bucket);

      const up = await runCli(['up'], env);
      expect(up.code).toBe(2);
      expect(up.stderr).toContain(`S3 bucket "${bucket}" at ${s.endpoint} does not exist`);
      expect(up.stderr).toContain('liuhen store init');
      expect(up.stderr).not.toContain('UnknownError');

      const init = await runCli(['store', 'init'], env);
      expect(init).toMatchObject({ code: 0, stderr: '' });
      expect(init.stdout).toContain(`created S3 bucket "${bucket}" at ${s.endpoint} with Object Lock and versioning enabled`);

      const again = await runCli(['store', 'init'], env);
      expect(again).toMatchObject({ code: 0, stderr: '' });
      expect(again.stdout).toContain(`S3 bucket "${bucket}" at ${s.endpoint} exists with Object Lock and versioning enabled; nothing to do`);

      const store = await openStore(configFrom(env).store);
      try {
        const bytes = randomBytes(64);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const info = await store.putOnce('t/first.ts', bytes, { sha256, retainUntil: new Date(Date.now() + 60_000), contentType: 'video/mp2t' });
        expect(info.versionId).toBeTruthy();
        expect(await store.get('t/first.ts')).toEqual(bytes);
      } finally {
        await store.close();
      }
    },
    4 * CLI_TIMEOUT,
  );
});

describe('a bucket liuhen must refuse', () => {
  it(
    'without Object Lock: store init and start-up both refuse, naming it',
    async () => {
      const bucket = await createBucket(s, randomBucketName('liuhen-plain'), false);
      const env = await s3Env(bucket);
      const init = await runCli(['store', 'init'], env);
      expect(init.code).toBe(2);
      expect(init.stderr).toContain(`S3 bucket "${bucket}" at ${s.endpoint} does not have Object Lock enabled`);
      await expect(openStore(configFrom(env).store)).rejects.toBeInstanceOf(StoreNotWorm);
    },
    CLI_TIMEOUT,
  );

  it(
    'with a wrong secret key: a clear refusal about the credentials, not the bucket',
    async () => {
      const env = await s3Env(randomBucketName(), { LIUHEN_S3_SECRET_ACCESS_KEY: 'not-the-secret-key-of-ci-0000000000000000' });
      const init = await runCli(['store', 'init'], env);
      expect(init.code).toBe(2);
      expect(init.stderr).toMatch(/at http:\/\/127\.0\.0\.1:\d+: the store refused the credentials \(SignatureDoesNotMatch\); check LIUHEN_S3_ACCESS_KEY_ID and LIUHEN_S3_SECRET_ACCESS_KEY/);
      await expect(openStore(configFrom(env).store)).rejects.toThrow(/refused the credentials/);
    },
    CLI_TIMEOUT,
  );

  it('an endpoint nothing answers on: names the endpoint and that it cannot be reached', async () => {
    const env = await s3Env(randomBucketName(), { LIUHEN_S3_ENDPOINT: 'http://127.0.0.1:9' });
    await expect(openStore(configFrom(env).store)).rejects.toThrow(/at http:\/\/127\.0\.0\.1:9: cannot reach the store \(ECONNREFUSED\)/);
  }, 30_000);
});

describe('a clock far from the store’s', () => {
  afterEach(() => vi.useRealTimers());

  it('refuses to open: seal times and retention dates come from this clock', async () => {
    const bucket = randomBucketName();
    await createBucket(s, bucket, true);
    // Only Date is faked: the requests still go out, signed two hours in the future.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 3_600_000 });
    const opening = S3WormStore.open({ ...s, bucket, forcePathStyle: true });
    await expect(opening).rejects.toBeInstanceOf(StoreUnusable);
    await expect(opening).rejects.toThrow(/this machine's clock is -?\d+ s off the store's/);
  }, 30_000);
});

describe('the local store', () => {
  it(
    'store init makes its directory, then finds it',
    async () => {
      const env = await testEnv();
      const root = configFrom(env).store as { root: string };
      const made = await runCli(['store', 'init'], env);
      expect(made).toMatchObject({ code: 0, stderr: '' });
      expect(made.stdout).toContain(`created the local evidence store at ${root.root}`);
      expect(fs.statSync(root.root).isDirectory()).toBe(true);
      const again = await runCli(['store', 'init'], env);
      expect(again.stdout).toContain('exists and is writable; nothing to do');
    },
    2 * CLI_TIMEOUT,
  );
});
