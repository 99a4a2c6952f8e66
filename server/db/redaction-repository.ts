import type { Insertable, Selectable } from 'kysely';
import { NotFound } from '../errors.ts';
import { Repository } from './repository.ts';
import type { RedactedSegmentsTable, RedactedVariant, Redaction } from './schema.ts';

export type RedactedSegment = Selectable<RedactedSegmentsTable>;

/** Redactions of a recording, and the redacted variants of its segments. */
export class RedactionRepository extends Repository {
  /** The redaction, or NotFound. */
  async get(id: string): Promise<Redaction> {
    const row = await this.db.selectFrom('redactions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFound('redaction', id);
    return row;
  }

  /** A recording's redactions, newest first. */
  async ofRecording(recordingId: string): Promise<Redaction[]> {
    return this.db.selectFrom('redactions').selectAll().where('recording_id', '=', recordingId).orderBy('created_at', 'desc').execute();
  }

  async add(row: Redaction): Promise<void> {
    await this.db.insertInto('redactions').values(row).execute();
  }

  async markPending(id: string): Promise<void> {
    await this.db.updateTable('redactions').set({ state: 'pending', error: null }).where('id', '=', id).execute();
  }

  async markReady(id: string, manifestKey: string): Promise<void> {
    await this.db.updateTable('redactions').set({ state: 'ready', manifest_key: manifestKey }).where('id', '=', id).execute();
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db.updateTable('redactions').set({ state: 'failed', error }).where('id', '=', id).execute();
  }

  /** Every redacted variant made so far. */
  async segments(redactionId: string): Promise<RedactedSegment[]> {
    return this.db.selectFrom('redacted_segments').selectAll().where('redaction_id', '=', redactionId).execute();
  }

  /** Which variants of segment `idx` are made. */
  async variantsMade(redactionId: string, idx: number): Promise<Pick<RedactedSegment, 'variant'>[]> {
    return this.db.selectFrom('redacted_segments').select('variant').where('redaction_id', '=', redactionId).where('idx', '=', idx).execute();
  }

  async markedVariant(redactionId: string, idx: number, variant: RedactedVariant): Promise<Pick<RedactedSegment, 'object_key' | 'sha256' | 'source_sha256'> | undefined> {
    return this.db
      .selectFrom('redacted_segments')
      .select(['object_key', 'sha256', 'source_sha256'])
      .where('redaction_id', '=', redactionId)
      .where('idx', '=', idx)
      .where('variant', '=', variant)
      .executeTakeFirst();
  }

  /** Write-once: a variant another run recorded first stays. */
  async addSegment(row: Insertable<RedactedSegmentsTable>): Promise<void> {
    await this.db
      .insertInto('redacted_segments')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
