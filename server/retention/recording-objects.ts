/**
 * Every object a recording has in the store — what it sealed (segments, checkpoints, manifest),
 * what workers made from it (renditions, marked variants, thumbnails), its exports and its
 * redactions — found by the store's own listing under each prefix, so an object the database
 * lost track of is not left out of an extension or a hold.
 */
import type { RetentionRepository } from '../db/retention-repository.ts';
import { objectKeys } from '../ledger/object-keys.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';

export class RecordingObjects {
  constructor(
    private readonly retention: RetentionRepository,
    private readonly store: EvidenceStore,
  ) {}

  async keys(recordingId: string): Promise<string[]> {
    const { exportIds, redactionIds } = await this.retention.productsOf(recordingId);
    const prefixes = [objectKeys.recordingPrefix(recordingId), `derivatives/${recordingId}/`, ...exportIds.map((id) => `exports/${id}/`), ...redactionIds.map((id) => `redactions/${id}/`)];
    const keys: string[] = [];
    for (const prefix of prefixes) keys.push(...(await this.store.list(prefix)));
    return keys;
  }
}

/**
 * What expiry removes: the media. The signed manifest, its signature, the checkpoints and the
 * expiry record stay — a few kilobytes that prove what the recording was and that its chain in
 * the database is still the one sealed.
 */
export function goesWithExpiry(recordingId: string, key: string): boolean {
  return !(
    key === objectKeys.manifest(recordingId) ||
    key === objectKeys.manifestSignature(recordingId) ||
    key.startsWith(objectKeys.checkpointPrefix(recordingId)) ||
    key.startsWith(`${objectKeys.recordingPrefix(recordingId)}expiry.`)
  );
}
