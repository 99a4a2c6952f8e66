/**
 * Writes one worker product once to the store, with the retention every evidence object gets. A
 * retried job that finds the key already written keeps the stored bytes and reports their hash:
 * an encoder need not give the same bytes twice, and the first product stands.
 */
import { sha256Hex } from '../server/crypto/hash.ts';
import { ObjectAlreadyExists } from '../server/errors.ts';
import type { WorkerDeps } from './job-handler.ts';

export async function storeProduct(
  deps: Pick<WorkerDeps, 'store' | 'retentionDays'>,
  key: string,
  bytes: Buffer,
  contentType: string,
): Promise<{ sha256: string; size: number }> {
  try {
    const sha256 = sha256Hex(bytes);
    await deps.store.putOnce(key, bytes, { sha256, contentType, retainUntil: new Date(Date.now() + deps.retentionDays * 86_400_000) });
    return { sha256, size: bytes.length };
  } catch (e) {
    if (!(e instanceof ObjectAlreadyExists)) throw e;
    const stored = await deps.store.get(key);
    return { sha256: sha256Hex(stored), size: stored.length };
  }
}
