import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { ChecksumMismatch, InvalidObjectKey, ObjectAlreadyExists, ObjectNotFound, StoreNotWorm } from '../errors.ts';
import { isValidObjectKey, type EvidenceStore, type ObjectInfo, type PutOptions } from './evidence-store.ts';

export interface S3WormStoreOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function errName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

/** HEAD answers a bare 404 (no error code), so the status has to count too. */
function isMissingKey(err: unknown): boolean {
  const name = errName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (status(err) === 404 && name !== 'NoSuchBucket');
}

/**
 * Evidence in an S3 bucket with Object Lock: every object is put in COMPLIANCE mode, so not even
 * the bucket owner can delete or shorten it before retainUntil. Works with AWS S3, MinIO and Ceph.
 */
export class S3WormStore implements EvidenceStore {
  readonly kind = 's3' as const;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Refuses (StoreNotWorm) a bucket without Object Lock: there, "write once" would be a promise. */
  static async open(opts: S3WormStoreOptions): Promise<S3WormStore> {
    const client = new S3Client({
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
    try {
      const res = await client.send(new GetObjectLockConfigurationCommand({ Bucket: opts.bucket }));
      if (res.ObjectLockConfiguration?.ObjectLockEnabled !== 'Enabled') throw notWorm(opts.bucket);
    } catch (err) {
      client.destroy();
      if (errName(err) === 'ObjectLockConfigurationNotFoundError') throw notWorm(opts.bucket);
      throw err;
    }
    return new S3WormStore(client, opts.bucket);
  }

  async putOnce(key: string, bytes: Buffer, options: PutOptions): Promise<ObjectInfo> {
    checkKey(key);
    const sha = createHash('sha256').update(bytes).digest();
    if (sha.toString('hex') !== options.sha256.toLowerCase()) throw new ChecksumMismatch(key);
    if (await this.head(key)) throw new ObjectAlreadyExists(key);

    // Whole seconds, rounded up: some servers truncate the date, which would shorten retention.
    const retainUntil = new Date(Math.ceil(options.retainUntil.getTime() / 1000) * 1000);
    let versionId: string | undefined;
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          // A Buffer, never a stream: single part (Ceph drops lock headers on multipart) and no
          // aws-chunked trailer (Ceph answers 411).
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: options.contentType,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          ChecksumSHA256: sha.toString('base64'),
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: retainUntil,
          Metadata: { sha256: sha.toString('hex') },
          // Closes the head-then-put race where the server supports it (AWS, MinIO); Ceph 16
          // ignores it, and there a racing put only adds a version: the first stays locked.
          IfNoneMatch: '*',
        }),
      );
      versionId = res.VersionId;
    } catch (err) {
      if (status(err) === 412) throw new ObjectAlreadyExists(key);
      throw err;
    }
    if (!versionId) throw new StoreNotWorm(`bucket ${this.bucket} returned no version id for ${key}`);

    // Servers may accept lock headers and not apply them; only the read-back counts.
    const retention = await this.readRetention(key, versionId);
    const lockedUntil = retention?.RetainUntilDate;
    if (retention?.Mode !== 'COMPLIANCE' || !lockedUntil || lockedUntil < options.retainUntil) {
      throw new StoreNotWorm(
        `object ${key} (version ${versionId}) in bucket ${this.bucket} is not locked in COMPLIANCE mode until ${options.retainUntil.toISOString()}`,
      );
    }
    return { key, size: bytes.length, sha256: sha.toString('hex'), retainUntil: lockedUntil, versionId };
  }

  /** An unlocked version has no retention at all: Ceph and AWS answer that with an error. */
  private async readRetention(key: string, versionId: string) {
    try {
      const res = await this.client.send(
        new GetObjectRetentionCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }),
      );
      return res.Retention;
    } catch (err) {
      const name = errName(err);
      if (name === 'ObjectLockConfigurationNotFoundError' || name === 'NoSuchObjectLockConfiguration') return undefined;
      throw err;
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new ObjectNotFound(key);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      if (isMissingKey(err)) throw new ObjectNotFound(key);
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    checkKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: res.ContentLength ?? 0,
        sha256: res.Metadata?.sha256,
        retainUntil: res.ObjectLockRetainUntilDate,
        versionId: res.VersionId,
      };
    } catch (err) {
      if (isMissingKey(err)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    checkKey(key);
    try {
      await this.client.send(
        new PutObjectLegalHoldCommand({
          Bucket: this.bucket,
          Key: key,
          LegalHold: { Status: on ? 'ON' : 'OFF' },
        }),
      );
    } catch (err) {
      if (isMissingKey(err)) throw new ObjectNotFound(key);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function checkKey(key: string): void {
  if (!isValidObjectKey(key)) throw new InvalidObjectKey(key);
}

function notWorm(bucket: string): StoreNotWorm {
  return new StoreNotWorm(
    `S3 bucket "${bucket}" does not have Object Lock enabled; liuhen refuses to store evidence where it could be deleted or overwritten (create the bucket with Object Lock enabled)`,
  );
}
