/** SHA-256 and size of bytes read through once: a stored object too big to hold. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

type Measured = { sha256: string; size: number };

/** A pass-through step that hashes and counts what goes by; `result` once it has all gone by. */
function measuring(): { pass(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array>; result(): Measured } {
  const hash = createHash('sha256');
  let size = 0;
  return {
    async *pass(chunks) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    result: () => ({ sha256: hash.digest('hex'), size }),
  };
}

export async function hashStream(source: AsyncIterable<Uint8Array>): Promise<Measured> {
  const m = measuring();
  for await (const _ of m.pass(source));
  return m.result();
}

/** Writes the stream to a new file (never over one), hashing it on the way. */
export async function writeHashed(source: AsyncIterable<Uint8Array>, file: string): Promise<Measured> {
  const m = measuring();
  await pipeline(source, m.pass, createWriteStream(file, { flags: 'wx' }));
  return m.result();
}
