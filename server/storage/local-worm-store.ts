import { createHash, randomUUID } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ChecksumMismatch, InvalidObjectKey, ObjectAlreadyExists, ObjectNotFound } from '../errors.ts';
import { isValidObjectKey, type EvidenceStore, type ObjectInfo, type PutOptions } from './evidence-store.ts';

interface Sidecar {
  sha256: string;
  size: number;
  retainUntil: string;
  writtenAt: string;
}

// Keys never start with '.', so these can never collide with an evidence object.
export const TMP = '.tmp';
const META = '.meta';

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

  constructor(private readonly rootDir: string) {}

  async putOnce(key: string, bytes: Buffer, options: PutOptions): Promise<ObjectInfo> {
    this.checkKey(key);
    if (sha256Hex(bytes) !== options.sha256.toLowerCase()) throw new ChecksumMismatch(key);
    const objectPath = this.objectPath(key);
    if (await exists(objectPath)) throw new ObjectAlreadyExists(key);

    const sidecar: Sidecar = {
      sha256: options.sha256.toLowerCase(),
      size: bytes.length,
      retainUntil: options.retainUntil.toISOString(),
      writtenAt: new Date().toISOString(),
    };
    // Metadata first, so an object never exists without it. A sidecar left by a put that crashed
    // before linking the object still claims the key; only the same bytes may complete it.
    const written = await this.writeOnce(this.metaPath(key), Buffer.from(JSON.stringify(sidecar)));
    const recorded = written ? sidecar : await this.readSidecar(key);
    if (!recorded || recorded.sha256 !== sidecar.sha256 || recorded.size !== sidecar.size) {
      throw new ObjectAlreadyExists(key);
    }
    if (!(await this.writeOnce(objectPath, bytes))) throw new ObjectAlreadyExists(key);
    return toInfo(key, recorded);
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
    return sidecar ? toInfo(key, sidecar) : { key, size };
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
    // Append-only history: each change is a new write-once file. The ':' of the ISO time cannot
    // occur in a key, so a hold file never shadows another key's sidecar.
    for (;;) {
      const at = new Date().toISOString();
      const record = Buffer.from(JSON.stringify({ legalHold: on, at }));
      if (await this.writeOnce(this.metaPath(key, `.hold-${at}.json`), record)) return;
      await new Promise((r) => setTimeout(r, 2));
    }
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

  /**
   * Durable create-if-absent: the bytes go to a private temp file that is fsynced and made
   * read-only, then hard-linked into place. link(2) fails if the name exists, so two writers can
   * never both win and a reader never sees a partial file. Returns false if the name was taken.
   */
  private async writeOnce(finalPath: string, bytes: Buffer): Promise<boolean> {
    const tmpDir = path.join(this.rootDir, TMP);
    const finalDir = path.dirname(finalPath);
    await fs.mkdir(tmpDir, { recursive: true });
    await fs.mkdir(finalDir, { recursive: true });
    const tmpPath = path.join(tmpDir, randomUUID());
    const fh = await fs.open(tmpPath, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
    try {
      try {
        await fh.writeFile(bytes);
        // Read-only before it gets its final name, so the final name is never writable.
        await fh.chmod(0o444);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      // A full disk stops the write part-way: the partial file never gets a name, and goes.
      await fs.rm(tmpPath, { force: true }).catch(() => undefined);
      throw err;
    }
    let linked = true;
    try {
      await fs.link(tmpPath, finalPath);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      linked = false;
    } finally {
      await fs.rm(tmpPath, { force: true });
    }
    if (linked) await fsyncDir(finalDir);
    return linked;
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
