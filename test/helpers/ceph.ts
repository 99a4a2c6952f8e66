import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface CephS3Settings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const START_SCRIPT = fileURLToPath(new URL('../../infra/ceph/start-ceph.sh', import.meta.url));

let started: Promise<CephS3Settings> | undefined;

/**
 * A local Ceph RGW that enforces Object Lock, started on first use and left running for later test
 * runs (stop it with infra/ceph/stop-ceph.sh). The script is idempotent and locks against
 * parallel workers, so calling it once per process is enough.
 */
export function cephS3(): Promise<CephS3Settings> {
  started ??= (async () => {
    // Generous: on a fresh machine the script first installs the Ceph packages (~40 s, more if
    // the apt lock is busy).
    const { stdout } = await promisify(execFile)('bash', [START_SCRIPT], { timeout: 900_000 });
    const vars = Object.fromEntries(
      stdout
        .split('\n')
        .map((l) => l.match(/^LIUHEN_TEST_S3_(\w+)=(.*)$/))
        .filter((m): m is RegExpMatchArray => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    const { ENDPOINT, REGION, ACCESS_KEY_ID, SECRET_ACCESS_KEY } = vars;
    if (!ENDPOINT || !REGION || !ACCESS_KEY_ID || !SECRET_ACCESS_KEY) {
      throw new Error(`start-ceph.sh printed no S3 settings:\n${stdout}`);
    }
    return { endpoint: ENDPOINT, region: REGION, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY };
  })();
  started.catch(() => (started = undefined));
  return started;
}

/** A raw client, for what liuhen itself must never do (delete, inspect locks) in tests. */
export function rawS3Client(s: CephS3Settings): S3Client {
  return new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function randomBucketName(prefix = 'liuhen-test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A fresh bucket; pass objectLock false to get one liuhen must refuse. */
export async function createBucket(s: CephS3Settings, name: string, objectLock: boolean): Promise<string> {
  const client = rawS3Client(s);
  try {
    await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: objectLock || undefined }));
    return name;
  } finally {
    client.destroy();
  }
}

export function createLockedBucket(s: CephS3Settings, name: string = randomBucketName()): Promise<string> {
  return createBucket(s, name, true);
}

/** LIUHEN_* settings for a server on the s3 store: a fresh Object Lock bucket on `s`, one day's retention. */
export async function s3StoreEnv(s: CephS3Settings): Promise<Record<string, string>> {
  return {
    LIUHEN_STORE: 's3',
    LIUHEN_S3_ENDPOINT: s.endpoint,
    LIUHEN_S3_REGION: s.region,
    LIUHEN_S3_BUCKET: await createLockedBucket(s),
    LIUHEN_S3_ACCESS_KEY_ID: s.accessKeyId,
    LIUHEN_S3_SECRET_ACCESS_KEY: s.secretAccessKey,
    LIUHEN_RETENTION_DAYS: '1',
    LIUHEN_RETENTION_UNLINKED_DAYS: '1',
  };
}
