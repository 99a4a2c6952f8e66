/**
 * What puts into the local store that never finished left in its temp folder (a crash, a full
 * disk): bytes that never got a name, so never evidence. Cleared at server start only: a CLI
 * command run beside a live server must not take a put from under it. Deliberately not a method
 * of the store, which has no way to remove anything.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TMP } from './local-worm-store.ts';

export async function clearUnfinishedPuts(storeRoot: string): Promise<number> {
  const dir = path.join(storeRoot, TMP);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.map((n) => fs.rm(path.join(dir, n), { force: true })));
  return names.length;
}
