import { RecordingNotFound } from '../errors.ts';
import { Repository } from './repository.ts';
import type { LedgerEntry, Recording } from './schema.ts';

/** Recordings with what they are made of: ledger entries (segments, gaps, notices) and spool parts. */
export class RecordingRepository extends Repository {
  async find(id: string): Promise<Recording | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The recording, or RecordingNotFound naming `subject` (what the caller was asked for). */
  async get(id: string, subject: string = id): Promise<Recording> {
    const rec = await this.find(id);
    if (!rec) throw new RecordingNotFound(subject);
    return rec;
  }

  /** Every ledger entry of a recording, in chain order. */
  async entries(recordingId: string): Promise<LedgerEntry[]> {
    return this.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).orderBy('idx').execute();
  }

  /** The recording's segments (no gaps or notices), in chain order. */
  async segments(recordingId: string): Promise<LedgerEntry[]> {
    return this.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).where('kind', '=', 'segment').orderBy('idx').execute();
  }
}
