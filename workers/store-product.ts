/**
 * Writes one worker product once to the store, with the retention every evidence object gets. A
 * retried job that finds the key already written keeps the stored bytes, locked, and reports their hash:
 * an encoder need not give the same bytes twice, and the first product stands. A product too big
 * to hold (a package, a party copy) comes as a file or a stream and is hashed on its way in.
 */
import { sha256Hex } from '../server/crypto/hash.ts';
import { ObjectAlreadyExists } from '../server/errors.ts';
import type { Clock } from '../server/clock.ts';
import type { EvidenceStore, PutSource } from '../server/storage/evidence-store.ts';
import { hashStream } from '../server/storage/stream-hash.ts';

/** Workers' products in the store, locked as the recording's own new objects are. */
export class WorkerProducts {
  constructor(
    private readonly evidence: EvidenceStore,
    private readonly clock: Clock,
    private readonly retentionDays: number,
  ) {}

  async store(key: string, source: Buffer | PutSource, contentType: string): Promise<{ sha256: string; size: number }> {
    const retainUntil = new Date(this.clock.now().getTime() + this.retentionDays * 86_400_000);
    try {
      if (!Buffer.isBuffer(source)) {
        const { sha256, size } = await this.evidence.putStreamOnce(key, source, { contentType, retainUntil });
        return { sha256, size };
      }
      const sha256 = sha256Hex(source);
      await this.evidence.putOnce(key, source, { sha256, contentType, retainUntil });
      return { sha256, size: source.length };
    } catch (e) {
      if (!(e instanceof ObjectAlreadyExists)) throw e;
      // A run cut off between a multipart upload's completion and its lock (Ceph drops the lock of
      // multipart uploads; the store sets it again after) left the object unlocked: lock it first.
      await this.evidence.extendRetention(key, retainUntil);
      return hashStream(await this.evidence.getStream(key));
    }
  }
}
