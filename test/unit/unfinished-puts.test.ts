import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { LocalWormStore, TMP } from '../../server/storage/local-worm-store.ts';
import { clearUnfinishedPuts } from '../../server/storage/unfinished-puts.ts';

it('clears what unfinished puts left in the temp folder and nothing that was stored', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-tmp-'));
  const store = new LocalWormStore(root);
  const bytes = Buffer.from('sealed segment');
  await store.putOnce('recordings/r1/segments/000001.ts', bytes, { sha256: createHash('sha256').update(bytes).digest('hex'), retainUntil: new Date(Date.now() + 86_400_000) });
  // A put cut short by a full disk: a partial temp file that never got a name.
  fs.writeFileSync(path.join(root, TMP, 'a-partial-put'), Buffer.alloc(100));
  expect(await clearUnfinishedPuts(root)).toBe(1);
  expect(fs.readdirSync(path.join(root, TMP))).toEqual([]);
  expect(await store.get('recordings/r1/segments/000001.ts')).toEqual(bytes);
});
