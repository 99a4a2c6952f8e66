/**
 * An upload's bytes on disk while they arrive: `<dir>/<id>.part`. Bytes are written at the
 * offset the uploads row holds and fsynced before that offset moves, so the row never claims
 * bytes a crash could lose.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

const PART = '.part';

export function partPath(dir: string, uploadId: string): string {
  return path.join(dir, `${uploadId}${PART}`);
}

/** Whether this node's disk holds the upload's part file (several nodes share the uploads' rows, each keeps its own parts). */
export async function hasPart(dir: string, uploadId: string): Promise<boolean> {
  return fs.access(partPath(dir, uploadId)).then(
    () => true,
    () => false,
  );
}

/** The upload ids of the part files in `dir` (none when it does not exist yet). */
export async function partIds(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  return names.filter((n) => n.endsWith(PART)).map((n) => n.slice(0, -PART.length));
}

export async function createPart(dir: string, uploadId: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o750 });
  const fh = await fs.open(partPath(dir, uploadId), 'wx', 0o640);
  await fh.sync();
  await fh.close();
  const dh = await fs.open(dir, 'r');
  await dh.sync();
  await dh.close();
}

export interface PartWrite {
  /** bytes now durable from the offset on */
  written: number;
  /** the body went past the upload's room: none of it was kept */
  overrun: boolean;
}

/**
 * Writes `body` at `offset` and makes it durable. A body that breaks off (client gone, or a newer
 * request took over) keeps what arrived. One its reader fails for being longer than the upload's
 * room (`overran` knows that error) is rolled back whole. Errors of the disk are thrown.
 */
export async function writePart(file: string, offset: number, body: AsyncIterable<Buffer>, overran: (err: unknown) => boolean): Promise<PartWrite> {
  const fh = await fs.open(file, 'r+');
  const chunks = body[Symbol.asyncIterator]();
  let written = 0;
  let overrun = false;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (e) {
        overrun = overran(e);
        break;
      }
      if (next.done) break;
      await fh.write(next.value, 0, next.value.length, offset + written);
      written += next.value.length;
    }
    if (overrun) {
      await fh.truncate(offset);
      written = 0;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { written, overrun };
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
