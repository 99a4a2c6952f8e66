/**
 * The evidence store: write once, read many. No overwrite in this interface or in any backend
 * (001 §33: nobody may cut or modify originals), and one delete only: `deleteExpired`, retention
 * expiry, which the store itself refuses before the object's lock date and while it is under a
 * legal hold — on S3 it is Object Lock (COMPLIANCE) that refuses, not liuhen, so a bug or a
 * rogue caller above the store cannot cut evidence short. Retention only ever lengthens
 * (`extendRetention`). Which objects may go, and the signed record of what went, are decided in
 * server/retention.
 */
import type { Readable } from 'node:stream';
import { StateConflict } from '../errors.ts';

export interface PutOptions {
  /** Hex SHA-256 of the bytes; the backend refuses the put if the bytes do not match. */
  sha256: string;
  /** Retention: the backend must keep the object at least until then. */
  retainUntil: Date;
  contentType?: string;
}

/** What a streamed put takes: a file's path (read from its start) or a stream of the bytes (a Node or a streamx stream). */
export type PutSource = string | AsyncIterable<Uint8Array>;

/** A streamed put has no hash to give beforehand: the store computes it on the way. */
export type StreamPutOptions = Omit<PutOptions, 'sha256'>;

export interface ObjectInfo {
  key: string;
  size: number;
  /** Hex SHA-256 recorded at write time, when the backend keeps it. */
  sha256?: string;
  retainUntil?: Date;
  /** Backend version id (S3 versioning); absent on the local store. */
  versionId?: string;
  /** Whether a legal hold is on (kept beyond retention until lifted). */
  legalHold?: boolean;
}

/** What a streamed put wrote: the hash and size it measured. */
export type StoredObject = ObjectInfo & { sha256: string };

export interface EvidenceStore {
  readonly kind: 'local' | 's3';
  /** Writes `bytes` under `key` once. Throws ObjectAlreadyExists if the key exists. */
  putOnce(key: string, bytes: Buffer, options: PutOptions): Promise<ObjectInfo>;
  /**
   * Writes the bytes of `source` under `key` once, hashing them as they pass: an object of any
   * size (an evidence package of hours) in bounded memory. Throws ObjectAlreadyExists before
   * reading the source if the key exists; a source that fails leaves nothing stored.
   */
  putStreamOnce(key: string, source: PutSource, options: StreamPutOptions): Promise<StoredObject>;
  /** Throws ObjectNotFound. */
  get(key: string): Promise<Buffer>;
  /** The bytes as a stream, for objects too big to hold. Throws ObjectNotFound. */
  getStream(key: string): Promise<Readable>;
  /** Returns null when absent. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Places or lifts a legal hold (kept beyond retention while on). */
  setLegalHold(key: string, on: boolean): Promise<void>;
  /**
   * Moves the object's lock date to `until` if that is later; never earlier. Returns the lock date
   * in force afterwards. Throws ObjectNotFound.
   */
  extendRetention(key: string, until: Date): Promise<Date>;
  /**
   * The store's only delete: removes the object (every version of it) once its lock date has
   * passed and no legal hold is on; otherwise throws ObjectRetained, decided by the backend
   * itself. Returns false when there was nothing left to remove (an expiry run again).
   */
  deleteExpired(key: string): Promise<boolean>;
  close(): Promise<void>;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/i;

/** Keys are liuhen-made paths; anything that could walk out of a prefix is refused. */
export function isValidObjectKey(key: string): boolean {
  return key.length <= 512 && KEY_PATTERN.test(key) && !key.split('/').some((p) => p === '..' || p === '.');
}

/** The store refused a delete: the object's lock date is still to come (`object_retained`) or a legal hold is on (`object_held`). */
export class ObjectRetained extends StateConflict {
  constructor(key: string, why: 'object_retained' | 'object_held', detail: string) {
    super(why, `${key}: ${detail}`);
  }
}
