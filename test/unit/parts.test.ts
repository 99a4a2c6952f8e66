import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { partsOf } from '../../server/storage/parts.ts';

async function cut(chunks: Buffer[], partBytes: number): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for await (const p of partsOf(
    (async function* () {
      yield* chunks;
    })(),
    partBytes,
  ))
    parts.push(p);
  return parts;
}

describe('partsOf: a stream cut into upload parts', () => {
  it('gives whole parts of the size asked and a shorter last one, the bytes unchanged, whatever the chunks', async () => {
    const bytes = randomBytes(10_000);
    for (const chunkBytes of [1, 7, 999, 1000, 4096, 10_000]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / chunkBytes) }, (_, i) => bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes));
      const parts = await cut(chunks, 3000);
      expect(
        parts.map((p) => p.length),
        `chunks of ${chunkBytes}`,
      ).toEqual([3000, 3000, 3000, 1000]);
      expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    }
  });

  it('gives no empty last part, and nothing for nothing', async () => {
    expect((await cut([randomBytes(6000)], 3000)).map((p) => p.length)).toEqual([3000, 3000]);
    expect(await cut([], 3000)).toEqual([]);
  });
});
