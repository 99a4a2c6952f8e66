import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ChecksumMismatch, InvalidObjectKey, ObjectAlreadyExists, ObjectNotFound, StoreNotWorm } from '../errors.ts';
import { isValidObjectKey, ObjectRetained, type EvidenceStore, type ObjectInfo, type PutOptions, type PutSource, type StoredObject, type StreamPutOptions } from './evidence-store.ts';
import { partsOf } from './parts.ts';
import { errName, inspectBucket, requireClockAgrees, requireUsable, s3Client, status, storeProblem, type S3ClientOptions } from './s3-bucket.ts';

export interface S3WormStoreOptions extends S3ClientOptions {
  /** Part size of streamed puts (S3's minimum is 5 MiB): what one put holds in memory at once. */
  partBytes?: number;
}

const PART_BYTES = 16 * 1024 * 1024;

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
    private readonly partBytes: number,
  ) {}

  /**
   * Refuses (StoreNotWorm) a bucket without Object Lock: there, "write once" would be a promise.
   * Any other reason it cannot be used (StoreUnusable) names the endpoint, the bucket and what is wrong.
   */
  static async open(opts: S3WormStoreOptions): Promise<S3WormStore> {
    const client = s3Client(opts);
    try {
      requireUsable(await inspectBucket(client, opts.bucket), opts);
      requireClockAgrees(client, opts);
    } catch (err) {
      client.destroy();
      throw storeProblem(err, opts);
    }
    return new S3WormStore(client, opts.bucket, opts.partBytes ?? PART_BYTES);
  }

  async putOnce(key: string, bytes: Buffer, options: PutOptions): Promise<ObjectInfo> {
    checkKey(key);
    const sha = createHash('sha256').update(bytes).digest();
    if (sha.toString('hex') !== options.sha256.toLowerCase()) throw new ChecksumMismatch(key);
    if (await this.head(key)) throw new ObjectAlreadyExists(key);

    let versionId: string | undefined;
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          // A Buffer, never a stream: no aws-chunked trailer (Ceph answers 411).
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: options.contentType,
          ContentMD5: md5Base64(bytes),
          ChecksumSHA256: sha.toString('base64'),
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: wholeSeconds(options.retainUntil),
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
    const lockedUntil = await this.requireLocked(key, versionId, options.retainUntil);
    return { key, size: bytes.length, sha256: sha.toString('hex'), retainUntil: lockedUntil, versionId };
  }

  /**
   * One part in memory at a time. A source that fits one part is put as one object; a longer one
   * goes up in parts, each with its Content-MD5 (the server checks each). Its SHA-256 is known
   * only at the end, too late for the object's metadata: the caller records it (head() has none).
   */
  async putStreamOnce(key: string, source: PutSource, options: StreamPutOptions): Promise<StoredObject> {
    checkKey(key);
    if (await this.head(key)) throw new ObjectAlreadyExists(key);
    const parts = partsOf(typeof source === 'string' ? createReadStream(source) : source, this.partBytes)[Symbol.asyncIterator]();
    const first = await parts.next();
    const second = first.done ? first : await parts.next();
    if (second.done) {
      const bytes = first.done ? Buffer.alloc(0) : first.value;
      const info = await this.putOnce(key, bytes, { ...options, sha256: createHash('sha256').update(bytes).digest('hex') });
      return { ...info, sha256: info.sha256! };
    }
    return this.putInParts(key, [first.value, second.value], parts, options);
  }

  private async putInParts(key: string, held: Buffer[], rest: AsyncIterator<Buffer>, options: StreamPutOptions): Promise<StoredObject> {
    const hash = createHash('sha256');
    let size = 0;
    let versionId: string | undefined;
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: options.contentType,
        // AWS and MinIO lock the object from its first byte; Ceph 16 drops these (requireLocked mends it).
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: wholeSeconds(options.retainUntil),
      }),
    );
    try {
      const done: CompletedPart[] = [];
      const upload = async (part: Buffer) => {
        hash.update(part);
        size += part.length;
        const PartNumber = done.length + 1;
        const res = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId, PartNumber, Body: part, ContentLength: part.length, ContentMD5: md5Base64(part) }));
        done.push({ PartNumber, ETag: res.ETag });
      };
      for (const part of held.splice(0)) await upload(part);
      for (let next = await rest.next(); !next.done; next = await rest.next()) await upload(next.value);
      const res = await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId, MultipartUpload: { Parts: done }, IfNoneMatch: '*' }));
      versionId = res.VersionId;
    } catch (err) {
      // Parts of an upload never completed are no object, but they take space until aborted.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId })).catch(() => undefined);
      if (status(err) === 412) throw new ObjectAlreadyExists(key);
      throw err;
    }
    const lockedUntil = await this.requireLocked(key, versionId, options.retainUntil, true);
    return { key, size, sha256: hash.digest('hex'), retainUntil: lockedUntil, versionId };
  }

  /**
   * Servers may accept lock headers and not apply them; only the read-back counts. `mend`: lock a
   * version that came out unlocked (Ceph drops the lock headers of a multipart upload); this
   * version's bytes are already the ones written, so locking it late keeps them as they are.
   */
  private async requireLocked(key: string, versionId: string | undefined, retainUntil: Date, mend = false): Promise<Date> {
    if (!versionId) throw new StoreNotWorm(`bucket ${this.bucket} returned no version id for ${key}`);
    let retention = await this.readRetention(key, versionId);
    if (mend && !isLocked(retention, retainUntil)) {
      await this.client.send(new PutObjectRetentionCommand({ Bucket: this.bucket, Key: key, VersionId: versionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: wholeSeconds(retainUntil) } }));
      retention = await this.readRetention(key, versionId);
    }
    if (!isLocked(retention, retainUntil)) {
      throw new StoreNotWorm(`object ${key} (version ${versionId}) in bucket ${this.bucket} is not locked in COMPLIANCE mode until ${retainUntil.toISOString()}`);
    }
    return retention!.RetainUntilDate!;
  }

  /** An unlocked version has no retention at all: Ceph and AWS answer that with an error. */
  private async readRetention(key: string, versionId: string) {
    try {
      const res = await this.client.send(new GetObjectRetentionCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
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

  async getStream(key: string): Promise<Readable> {
    checkKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new ObjectNotFound(key);
      // On Node the SDK's body is the HTTP response itself: a Readable.
      return res.Body as Readable;
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
        legalHold: res.ObjectLockLegalHoldStatus === 'ON',
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
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /**
   * On every version of the key: on a server that ignores If-None-Match (Ceph 16) a racing put
   * may have added one, and the first stays the evidence.
   */
  async setLegalHold(key: string, on: boolean): Promise<void> {
    checkKey(key);
    const versions = await this.versionsOf(key);
    if (versions.objects.length === 0) throw new ObjectNotFound(key);
    for (const VersionId of versions.objects) {
      await this.client.send(new PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, VersionId, LegalHold: { Status: on ? 'ON' : 'OFF' } }));
    }
  }

  /** PutObjectRetention, COMPLIANCE, on every version still shorter; S3 itself refuses to shorten one. */
  async extendRetention(key: string, until: Date): Promise<Date> {
    checkKey(key);
    const versions = await this.versionsOf(key);
    if (versions.objects.length === 0) throw new ObjectNotFound(key);
    let inForce: Date | undefined;
    for (const VersionId of versions.objects) {
      const current = (await this.readRetention(key, VersionId))?.RetainUntilDate;
      if (!current || current < until) {
        await this.client.send(new PutObjectRetentionCommand({ Bucket: this.bucket, Key: key, VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: wholeSeconds(until) } }));
      }
      const after = await this.requireLocked(key, VersionId, until);
      if (!inForce || after < inForce) inForce = after;
    }
    return inForce!;
  }

  /**
   * Deletes each version by its id: a delete without one would only add a delete marker, which
   * Object Lock allows and which hides the bytes without removing them. liuhen checks nothing
   * here: the bucket's lock refuses a version before its date or under a legal hold (403).
   */
  async deleteExpired(key: string): Promise<boolean> {
    checkKey(key);
    const versions = await this.versionsOf(key);
    for (const VersionId of versions.objects) {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId }));
      } catch (err) {
        if (status(err) !== 403) throw err;
        const held = await this.isHeld(key, VersionId);
        throw new ObjectRetained(key, held ? 'object_held' : 'object_retained', `the bucket refused to delete version ${VersionId} (${errName(err)}${held ? ', legal hold on' : ''})`);
      }
    }
    for (const VersionId of versions.markers) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId }));
    return versions.objects.length > 0;
  }

  private async isHeld(key: string, versionId: string): Promise<boolean> {
    const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })).catch(() => undefined);
    return res?.ObjectLockLegalHoldStatus === 'ON';
  }

  /** The version ids of exactly this key (a prefix listing also returns longer keys), and of its delete markers. */
  private async versionsOf(key: string): Promise<{ objects: string[]; markers: string[] }> {
    const objects: string[] = [];
    const markers: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const res = await this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key, KeyMarker, VersionIdMarker }));
      for (const v of res.Versions ?? []) if (v.Key === key && v.VersionId) objects.push(v.VersionId);
      for (const m of res.DeleteMarkers ?? []) if (m.Key === key && m.VersionId) markers.push(m.VersionId);
      if (!res.IsTruncated) return { objects, markers };
      KeyMarker = res.NextKeyMarker;
      VersionIdMarker = res.NextVersionIdMarker;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Whole seconds, rounded up: some servers truncate the date, which would shorten retention. */
function wholeSeconds(d: Date): Date {
  return new Date(Math.ceil(d.getTime() / 1000) * 1000);
}

function md5Base64(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('base64');
}

function isLocked(retention: { Mode?: string; RetainUntilDate?: Date } | undefined, retainUntil: Date): boolean {
  return retention?.Mode === 'COMPLIANCE' && retention.RetainUntilDate !== undefined && retention.RetainUntilDate >= retainUntil;
}

function checkKey(key: string): void {
  if (!isValidObjectKey(key)) throw new InvalidObjectKey(key);
}
