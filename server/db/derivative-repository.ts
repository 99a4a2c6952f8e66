import { Repository } from './repository.ts';
import type { Derivative, DerivativeKind } from './schema.ts';

/** Workers' products of a recording, each naming the original it came from. */
export class DerivativeRepository extends Repository {
  async find(recordingId: string, idx: number, kind: DerivativeKind): Promise<Derivative | undefined> {
    return this.db.selectFrom('derivatives').selectAll().where('recording_id', '=', recordingId).where('idx', '=', idx).where('kind', '=', kind).executeTakeFirst();
  }

  /** Write-once: a product another run recorded first stays. */
  async add(row: Derivative): Promise<void> {
    await this.db
      .insertInto('derivatives')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
