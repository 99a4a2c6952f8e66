/**
 * The bucket under the s3 store, as an operator meets it: what `liuhen store init` finds or makes,
 * and every way the store can be unusable at start, said with the endpoint and the bucket.
 */
import { CreateBucketCommand, GetBucketVersioningCommand, GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { LiuhenError, StoreNotWorm, StoreUnusable } from '../errors.ts';

export interface S3Place {
  endpoint?: string;
  region: string;
  bucket: string;
}

export interface S3ClientOptions extends S3Place {
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface BucketState {
  exists: boolean;
  objectLock: boolean;
  /** S3 answers no status for a bucket whose versioning was never turned on */
  versioning: 'Enabled' | 'Suspended' | 'never enabled';
}

/**
 * Beyond this, seal times and the retention dates liuhen computes from its own clock are wrong
 * by that much; the SDK would quietly sign with the store's time, so the check is ours.
 */
const MAX_CLOCK_SKEW_MS = 60_000;

export function s3Client(opts: S3ClientOptions): S3Client {
  return new S3Client({
    endpoint: opts.endpoint,
    region: opts.region,
    forcePathStyle: opts.forcePathStyle,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // The default CRC32 trailers make Ceph answer 411; we send Content-MD5 and SHA-256 ourselves.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that accepts the connection and then says nothing must fail the put, not hang
    // the recording's sealing forever: the sealer retries a failed put.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 },
  });
}

/** GETs, not HEADs: a HEAD's error has no body, and so no code to tell a bad key from a forbidden bucket. */
export async function inspectBucket(client: S3Client, bucket: string): Promise<BucketState> {
  let objectLock: boolean;
  try {
    const res = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    objectLock = res.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (err) {
    if (errName(err) === 'ObjectLockConfigurationNotFoundError') objectLock = false;
    else if (isMissingBucket(err)) return { exists: false, objectLock: false, versioning: 'never enabled' };
    else throw err;
  }
  const { Status } = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  return { exists: true, objectLock, versioning: Status ?? 'never enabled' };
}

/** Object Lock can only be chosen when a bucket is made (on every S3 liuhen meets); it turns versioning on for good. */
export async function createLockedBucket(client: S3Client, place: S3Place): Promise<void> {
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: place.bucket,
        ObjectLockEnabledForBucket: true,
        // AWS refuses a location constraint of us-east-1 and requires one anywhere else.
        CreateBucketConfiguration: place.region === 'us-east-1' ? undefined : { LocationConstraint: place.region as never },
      }),
    );
  } catch (err) {
    // Made meanwhile by another `store init`: the caller inspects what is there.
    if (errName(err) === 'BucketAlreadyOwnedByYou') return;
    if (errName(err) === 'BucketAlreadyExists') throw new StoreUnusable(`${where(place)}: the name is taken by another account; choose another LIUHEN_S3_BUCKET`);
    throw err;
  }
}

/** Refuses what the store cannot keep evidence in. */
export function requireUsable(state: BucketState, place: S3Place): void {
  if (!state.exists) throw new StoreUnusable(`${where(place)} does not exist: run \`liuhen store init\` to create it with Object Lock and versioning`);
  if (!state.objectLock) {
    throw new StoreNotWorm(
      `${where(place)} does not have Object Lock enabled; liuhen refuses to store evidence where it could be deleted or overwritten ` +
        '(Object Lock can only be chosen when a bucket is created: point LIUHEN_S3_BUCKET at a new bucket name and run `liuhen store init`)',
    );
  }
}

/** The SDK corrects its signing clock from the store's answers; a large correction means this machine's clock is wrong. */
export function requireClockAgrees(client: S3Client, place: S3Place): void {
  const offsetMs = client.config.systemClockOffset ?? 0;
  if (Math.abs(offsetMs) > MAX_CLOCK_SKEW_MS) throw clockSkew(place, `this machine's clock is ${Math.round(offsetMs / 1000)} s off the store's`);
}

/** An error met while opening or setting up the store, as a message an operator can act on. */
export function storeProblem(err: unknown, place: S3Place): Error {
  if (err instanceof LiuhenError) return err;
  const name = errName(err) ?? 'error';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (isMissingBucket(err)) return new StoreUnusable(`${where(place)} does not exist: run \`liuhen store init\` to create it with Object Lock and versioning`);
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return new StoreUnusable(`${where(place)}: the store refused the credentials (${name}); check LIUHEN_S3_ACCESS_KEY_ID and LIUHEN_S3_SECRET_ACCESS_KEY`);
  }
  if (name === 'RequestTimeTooSkewed') return clockSkew(place, 'the store refused the request time (RequestTimeTooSkewed)');
  if (name === 'AccessDenied' || status(err) === 403) {
    return new StoreUnusable(`${where(place)}: access denied (${name}); the credentials are valid but may not use this bucket (another account's, or a policy forbids it)`);
  }
  if (name === 'CredentialsProviderError') return new StoreUnusable(`${where(place)}: no credentials; set LIUHEN_S3_ACCESS_KEY_ID and LIUHEN_S3_SECRET_ACCESS_KEY`);
  if (isUnreachable(name, code)) {
    return new StoreUnusable(`${where(place)}: cannot reach the store (${code ?? name}); check LIUHEN_S3_ENDPOINT and that the S3 server is up and reachable from this machine`);
  }
  const detail = (err as Error | undefined)?.message;
  return new StoreUnusable(`${where(place)}: the store answered ${name}${status(err) ? ` (HTTP ${status(err)})` : ''}${detail && detail !== name ? `: ${detail}` : ''}`);
}

export function where(place: S3Place): string {
  return `S3 bucket "${place.bucket}" at ${place.endpoint ?? `AWS S3 (${place.region})`}`;
}

function clockSkew(place: S3Place, what: string): StoreUnusable {
  return new StoreUnusable(`${where(place)}: ${what}; seal times and retention dates come from this clock: set it right (NTP) on this machine or the store`);
}

export function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function errName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

/** Bucket-level requests only: there a bare 404 can only be the bucket. */
function isMissingBucket(err: unknown): boolean {
  const name = errName(err);
  return name === 'NoSuchBucket' || (status(err) === 404 && name !== 'ObjectLockConfigurationNotFoundError');
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

function isUnreachable(name: string, code: string | undefined): boolean {
  return (code !== undefined && UNREACHABLE.has(code)) || name === 'TimeoutError';
}
