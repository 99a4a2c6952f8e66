import { createHash, randomUUID } from 'node:crypto';
import { constants as fsc, createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ChecksumMismatch, InvalidObjectKey, ObjectAlreadyExists, ObjectNotFound } from '../errors.ts';
import { isValidObjectKey, ObjectRetained, type EvidenceStore, type ObjectInfo, type PutOptions, type PutSource, type StoredObject, type StreamPutOptions } from './evidence-store.ts';
import { type Clock, systemClock } from '../clock.ts';

interface Sidecar {
  sha256: string;
  size: number;
  retainUntil: string;
  writtenAt: string;
}

// Keys never start with '.', so these can never collide with an evidence object.
export const TMP = '.tmp';
const META = '.meta';

/**
 * What happens to an object after its put is recorded beside its sidecar, each fact in a
 * write-once file named `<object>.<kind>-<ISO time>.json`: a hold placed or lifted, a later lock
 * date, an expiry. The ':' of the time cannot occur in a key, so no record shadows another key's
 * sidecar; the latest record of a kind is the one in force.
 */
type RecordKind = 'hold' | 'retain' | 'expired';
const RECORD_NAME = /^\.(hold|retain|expired)-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\.json$/;

interface LockState {
  retainUntil: Date;
  legalHold: boolean;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Write-once evidence on a local filesystem. Suits single-host installs and tests; it is only as
 * tamper-resistant as the host (root can still chmod), which is why production uses `s3`.
 */
export class LocalWormStore implements EvidenceStore {
  readonly kind = 'local' as const;

  constructor(
    private readonly rootDir: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async putOnce(key: string, bytes: Buffer, options: PutOptions): Promise<ObjectInfo> {
    this.checkKey(key);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== options.sha256.toLowerCase()) throw new ChecksumMismatch(key);
    return this.putStaged(key, bytes, options, sha256);
  }

  async putStreamOnce(key: string, source: PutSource, options: StreamPutOptions): Promise<StoredObject> {
    this.checkKey(key);
    return this.putStaged(key, typeof source === 'string' ? createReadStream(source) : source, options);
  }

  /**
   * The bytes are staged (hashed on the way) before anything claims the key, so a source that
   * fails part-way leaves only a nameless temp file, removed here.
   */
  private async putStaged(key: string, source: Buffer | AsyncIterable<Uint8Array>, options: StreamPutOptions, sha256?: string): Promise<StoredObject> {
    const objectPath = this.objectPath(key);
    if (await exists(objectPath)) throw new ObjectAlreadyExists(key);
    const staged = await this.stage(source, sha256);
    try {
      const sidecar: Sidecar = {
        sha256: staged.sha256,
        size: staged.size,
        retainUntil: options.retainUntil.toISOString(),
        writtenAt: this.clock.now().toISOString(),
      };
      // Metadata first, so an object never exists without it. A sidecar left by a put that crashed
      // before linking the object still claims the key; only the same bytes may complete it.
      const written = await this.writeOnce(this.metaPath(key), Buffer.from(JSON.stringify(sidecar)));
      const recorded = written ? sidecar : await this.readSidecar(key);
      if (!recorded || recorded.sha256 !== sidecar.sha256 || recorded.size !== sidecar.size) {
        throw new ObjectAlreadyExists(key);
      }
      if (!(await this.link(staged.path, objectPath))) throw new ObjectAlreadyExists(key);
      return { ...toInfo(key, recorded), sha256: recorded.sha256 };
    } finally {
      await fs.rm(staged.path, { force: true });
    }
  }

  async get(key: string): Promise<Buffer> {
    this.checkKey(key);
    try {
      return await fs.readFile(this.objectPath(key));
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFound(key);
      throw err;
    }
  }

  async getStream(key: string): Promise<Readable> {
    this.checkKey(key);
    // Opened here, so a missing object is this call's error rather than the stream's later.
    try {
      return (await fs.open(this.objectPath(key))).createReadStream();
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFound(key);
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    this.checkKey(key);
    let size: number;
    try {
      const st = await fs.stat(this.objectPath(key));
      if (!st.isFile()) return null;
      size = st.size;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    const sidecar = await this.readSidecar(key);
    if (!sidecar) return { key, size };
    const lock = await this.lockState(key, sidecar);
    return { ...toInfo(key, sidecar), retainUntil: lock.retainUntil, legalHold: lock.legalHold };
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the directory the prefix names, and refuse prefixes that could leave the root.
    const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (dir !== '' && !isValidObjectKey(dir)) throw new InvalidObjectKey(prefix);
    const keys: string[] = [];
    await this.walk(dir, keys);
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    this.checkKey(key);
    if (!(await exists(this.objectPath(key)))) throw new ObjectNotFound(key);
    await this.writeRecord(key, 'hold', { legalHold: on });
  }

  async extendRetention(key: string, until: Date): Promise<Date> {
    this.checkKey(key);
    const sidecar = await this.readSidecar(key);
    if (!sidecar || !(await exists(this.objectPath(key)))) throw new ObjectNotFound(key);
    const { retainUntil } = await this.lockState(key, sidecar);
    if (until <= retainUntil) return retainUntil;
    await this.writeRecord(key, 'retain', { retainUntil: until.toISOString() });
    return until;
  }

  /**
   * The sidecar and every record stay: the key can never be written again, and what the object
   * was, how long it was kept and when it went remain on file.
   */
  async deleteExpired(key: string): Promise<boolean> {
    this.checkKey(key);
    const objectPath = this.objectPath(key);
    if (!(await exists(objectPath))) return false;
    const sidecar = await this.readSidecar(key);
    if (!sidecar) throw new ObjectRetained(key, 'object_retained', 'no retention is recorded for it');
    const lock = await this.lockState(key, sidecar);
    if (lock.legalHold) throw new ObjectRetained(key, 'object_held', 'a legal hold is on');
    if (lock.retainUntil.getTime() > this.clock.now().getTime()) throw new ObjectRetained(key, 'object_retained', `locked until ${lock.retainUntil.toISOString()}`);
    await this.writeRecord(key, 'expired', { size: sidecar.size, sha256: sidecar.sha256 });
    await fs.rm(objectPath, { force: true });
    await fsyncDir(path.dirname(objectPath));
    return true;
  }

  async close(): Promise<void> {}

  private checkKey(key: string): void {
    if (!isValidObjectKey(key)) throw new InvalidObjectKey(key);
  }

  private objectPath(key: string): string {
    return path.join(this.rootDir, ...key.split('/'));
  }

  private metaPath(key: string, suffix = '.json'): string {
    return path.join(this.rootDir, META, ...key.split('/')) + suffix;
  }

  private async readSidecar(key: string): Promise<Sidecar | null> {
    try {
      return JSON.parse(await fs.readFile(this.metaPath(key), 'utf8')) as Sidecar;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  /** The lock in force: the sidecar's date or a later one recorded since, and the latest hold record. */
  private async lockState(key: string, sidecar: Sidecar): Promise<LockState> {
    const metaFile = this.metaPath(key);
    const base = path.basename(metaFile, '.json');
    let names: string[];
    try {
      names = await fs.readdir(path.dirname(metaFile));
    } catch (err) {
      if (isMissing(err)) names = [];
      else throw err;
    }
    let retainUntil = new Date(sidecar.retainUntil);
    let legalHold = false;
    // ISO times sort as they happen, so the last hold record read is the one in force.
    for (const name of names.filter((n) => n.startsWith(base)).sort()) {
      const m = RECORD_NAME.exec(name.slice(base.length));
      if (!m) continue;
      const record = JSON.parse(await fs.readFile(path.join(path.dirname(metaFile), name), 'utf8')) as { legalHold?: boolean; retainUntil?: string };
      if (m[1] === 'hold') legalHold = record.legalHold === true;
      if (m[1] === 'retain' && record.retainUntil && new Date(record.retainUntil) > retainUntil) retainUntil = new Date(record.retainUntil);
    }
    return { retainUntil, legalHold };
  }

  /** Appends a record about the object; two in the same millisecond take the next one. */
  private async writeRecord(key: string, kind: RecordKind, fields: Record<string, unknown>): Promise<void> {
    for (;;) {
      const at = this.clock.now().toISOString();
      if (await this.writeOnce(this.metaPath(key, `.${kind}-${at}.json`), Buffer.from(JSON.stringify({ ...fields, at })))) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Durable create-if-absent of a small file (a sidecar, a hold record). Returns false if the name was taken. */
  private async writeOnce(finalPath: string, bytes: Buffer): Promise<boolean> {
    const staged = await this.stage(bytes);
    try {
      return await this.link(staged.path, finalPath);
    } finally {
      await fs.rm(staged.path, { force: true });
    }
  }

  /**
   * The bytes in a private temp file, fsynced and made read-only, with their hash and size: ready
   * to be hard-linked into place. The caller removes the temp file. `sha256`: of bytes the caller
   * has just hashed (a segment's hundreds of KiB), not hashed again.
   */
  private async stage(source: Buffer | AsyncIterable<Uint8Array>, sha256?: string): Promise<{ path: string; sha256: string; size: number }> {
    const tmpDir = path.join(this.rootDir, TMP);
    await fs.mkdir(tmpDir, { recursive: true });
    const tmpPath = path.join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const fh = await fs.open(tmpPath, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
    try {
      try {
        for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
          if (sha256 === undefined) hash.update(chunk);
          size += chunk.length;
          await fh.writeFile(chunk);
        }
        // Read-only before it gets its final name, so the final name is never writable.
        await fh.chmod(0o444);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      // A full disk or a failing source stops the write part-way: the partial file never gets a name, and goes.
      await fs.rm(tmpPath, { force: true }).catch(() => undefined);
      throw err;
    }
    return { path: tmpPath, sha256: sha256 ?? hash.digest('hex'), size };
  }

  /**
   * Gives staged bytes their final name. link(2) fails if the name exists, so two writers can
   * never both win and a reader never sees a partial file. Returns false if the name was taken.
   */
  private async link(tmpPath: string, finalPath: string): Promise<boolean> {
    const finalDir = path.dirname(finalPath);
    await fs.mkdir(finalDir, { recursive: true });
    try {
      await fs.link(tmpPath, finalPath);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      return false;
    }
    await fsyncDir(finalDir);
    return true;
  }

  private async walk(rel: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(path.join(this.rootDir, ...rel.split('/').filter(Boolean)), {
        withFileTypes: true,
      });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await this.walk(key, out);
      else if (e.isFile()) out.push(key);
    }
  }
}

function toInfo(key: string, s: Sidecar): ObjectInfo {
  return { key, size: s.size, sha256: s.sha256, retainUntil: new Date(s.retainUntil) };
}

function isMissing(err: unknown): boolean {
  return errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR';
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** Makes the new directory entry itself durable; without it a crash can lose the link. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
