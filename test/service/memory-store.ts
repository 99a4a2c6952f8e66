/**
 * An in-memory fake of the EvidenceStore interface, for the service tier only: it keeps the
 * interface's promises that services rely on (write once, the hash checked on put, lock dates
 * that only lengthen, no delete before the lock date or under a hold) so that sealing, case links
 * and archiving run without a disk or S3. The backends themselves are tested with real stores in
 * test/medium (evidence-store.test.ts, retention-store.test.ts).
 */
import { Readable } from 'node:stream';
import { sha256Hex } from '../../server/crypto/hash.ts';
import { ObjectAlreadyExists, ObjectNotFound } from '../../server/errors.ts';
import { type EvidenceStore, type ObjectInfo, ObjectRetained, type PutOptions, type PutSource, type StoredObject, type StreamPutOptions } from '../../server/storage/evidence-store.ts';

interface Kept {
  bytes: Buffer;
  sha256: string;
  retainUntil: Date;
  legalHold: boolean;
}

export class MemoryStore implements EvidenceStore {
  readonly kind = 'local';
  private readonly objects = new Map<string, Kept>();

  constructor(private readonly now: () => Date) {}

  async putOnce(key: string, bytes: Buffer, options: PutOptions): Promise<ObjectInfo> {
    if (this.objects.has(key)) throw new ObjectAlreadyExists(key);
    if (sha256Hex(bytes) !== options.sha256) throw new Error(`${key}: the bytes do not hash to ${options.sha256}`);
    this.objects.set(key, { bytes: Buffer.from(bytes), sha256: options.sha256, retainUntil: options.retainUntil, legalHold: false });
    return this.info(key);
  }

  async putStreamOnce(key: string, source: PutSource, options: StreamPutOptions): Promise<StoredObject> {
    if (this.objects.has(key)) throw new ObjectAlreadyExists(key);
    if (typeof source === 'string') throw new Error('the memory store takes streams, not files');
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
    const bytes = Buffer.concat(chunks);
    const sha256 = sha256Hex(bytes);
    await this.putOnce(key, bytes, { ...options, sha256 });
    return { ...this.info(key), sha256 };
  }

  async get(key: string): Promise<Buffer> {
    return Buffer.from(this.kept(key).bytes);
  }

  async getStream(key: string): Promise<Readable> {
    return Readable.from([await this.get(key)]);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.objects.has(key) ? this.info(key) : null;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    this.kept(key).legalHold = on;
  }

  async extendRetention(key: string, until: Date): Promise<Date> {
    const kept = this.kept(key);
    if (until > kept.retainUntil) kept.retainUntil = until;
    return kept.retainUntil;
  }

  async deleteExpired(key: string): Promise<boolean> {
    const kept = this.objects.get(key);
    if (!kept) return false;
    if (kept.legalHold) throw new ObjectRetained(key, 'object_held', 'under a legal hold');
    if (kept.retainUntil > this.now()) throw new ObjectRetained(key, 'object_retained', `locked until ${kept.retainUntil.toISOString()}`);
    return this.objects.delete(key);
  }

  async close(): Promise<void> {}

  private kept(key: string): Kept {
    const kept = this.objects.get(key);
    if (!kept) throw new ObjectNotFound(key);
    return kept;
  }

  private info(key: string): ObjectInfo {
    const k = this.kept(key);
    return { key, size: k.bytes.length, sha256: k.sha256, retainUntil: k.retainUntil, legalHold: k.legalHold };
  }
}
