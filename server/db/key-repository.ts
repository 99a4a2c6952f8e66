import type { KeyKind } from './schema.ts';
import { Repository } from './repository.ts';

export interface RecordedKey {
  generation: number;
  sha256: string;
  recorded_at: string;
}

/** The fingerprints of the keys all nodes share (table key_fingerprints, append-only). */
export class KeyRepository extends Repository {
  /** The key of this kind in force: its highest generation; undefined before any node recorded one. */
  async inForce(kind: KeyKind): Promise<RecordedKey | undefined> {
    return this.db.selectFrom('key_fingerprints').select(['generation', 'sha256', 'recorded_at']).where('kind', '=', kind).orderBy('generation', 'desc').limit(1).executeTakeFirst();
  }

  /** The first generation, unless one is recorded: of two nodes starting at once, one records its key and the other compares. */
  async recordFirst(kind: KeyKind, sha256: string, at: Date): Promise<void> {
    await this.db
      .insertInto('key_fingerprints')
      .values({ kind, generation: 1, sha256, recorded_at: at.toISOString() })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** A rotated key; two rotations at once cannot both take the next generation (primary key). */
  async recordNext(kind: KeyKind, generation: number, sha256: string, at: Date): Promise<void> {
    await this.db.insertInto('key_fingerprints').values({ kind, generation, sha256, recorded_at: at.toISOString() }).execute();
  }
}
