/**
 * Writes one worker product once to the store, with the retention every evidence object gets. A
 * retried job that finds the key already written keeps the stored bytes, locked, and reports their hash:
 * an encoder need not give the same bytes twice, and the first product stands. A product too big
 * to hold (a package, a party copy) comes as a file or a stream and is hashed on its way in.
 */
import { sha256Hex } from '../server/crypto/hash.ts';
import { ObjectAlreadyExists } from '../server/errors.ts';
import type { PutSource } from '../server/storage/evidence-store.ts';
import { hashStream } from '../server/storage/stream-hash.ts';
import type { WorkerDeps } from './job-handler.ts';

export async function storeProduct(
  deps: Pick<WorkerDeps, 'clock' | 'store' | 'retentionDays'>,
  key: string,
  source: Buffer | PutSource,
  contentType: string,
): Promise<{ sha256: string; size: number }> {
  const retainUntil = new Date(deps.clock.now().getTime() + deps.retentionDays * 86_400_000);
  try {
    if (!Buffer.isBuffer(source)) {
      const { sha256, size } = await deps.store.putStreamOnce(key, source, { contentType, retainUntil });
      return { sha256, size };
    }
    const sha256 = sha256Hex(source);
    await deps.store.putOnce(key, source, { sha256, contentType, retainUntil });
    return { sha256, size: source.length };
  } catch (e) {
    if (!(e instanceof ObjectAlreadyExists)) throw e;
    // A run cut off between a multipart upload's completion and its lock (Ceph drops the lock of
    // multipart uploads; the store sets it again after) left the object unlocked: lock it first.
    await deps.store.extendRetention(key, retainUntil);
    return hashStream(await deps.store.getStream(key));
  }
}
