import { type Insertable, type Selectable, type Updateable, sql } from 'kysely';
import { linkedToAnyCase } from './case-repository.ts';
import { Repository } from './repository.ts';
import type { RecordingExpiriesTable, RecordingRetentionTable } from './schema.ts';

export type RecordingRetention = Selectable<RecordingRetentionTable>;

/**
 * What retention keeps and expires: each recording's retention row (a case's lock, a legal hold)
 * and its expiry, with the reads of recordings, cases and the ledger that decide them.
 */
export class RetentionRepository extends Repository {
  async retentionOf(recordingId: string): Promise<RecordingRetention | undefined> {
    return this.db.selectFrom('recording_retention').selectAll().where('recording_id', '=', recordingId).executeTakeFirst();
  }

  /** Those of `recordingIds` a case already keeps. */
  async keptByCase(recordingIds: string[]): Promise<string[]> {
    const rows = await this.db.selectFrom('recording_retention').select('recording_id').where('category', '=', 'case').where('recording_id', 'in', recordingIds).execute();
    return rows.map((r) => r.recording_id);
  }

  async changeRetention(recordingId: string, changes: Updateable<RecordingRetentionTable>): Promise<void> {
    await this.db.updateTable('recording_retention').set(changes).where('recording_id', '=', recordingId).execute();
  }

  async addRetention(row: Insertable<RecordingRetentionTable>): Promise<void> {
    await this.db.insertInto('recording_retention').values(row).execute();
  }

  /** A row another writer added meanwhile takes `changes` instead. */
  async addOrChangeRetention(row: Insertable<RecordingRetentionTable>, changes: Updateable<RecordingRetentionTable>): Promise<void> {
    await this.db
      .insertInto('recording_retention')
      .values(row)
      .onConflict((oc) => oc.column('recording_id').doUpdateSet(changes))
      .execute();
  }

  /**
   * Every recording some case links and not expired, with its retention row and the latest time
   * it was derived from, exported, and archived with a case: what the daily run reconciles.
   */
  async caseLinkedRecordings() {
    return this.db
      .selectFrom('recordings')
      .leftJoin('recording_retention', 'recording_retention.recording_id', 'recordings.id')
      .select(['recordings.id', 'recordings.ended_at', 'recording_retention.category', 'recording_retention.retain_until', 'recording_retention.extended_at'])
      .select((eb) => [
        eb
          .selectFrom('derivatives')
          .select((x) => x.fn.max('created_at').as('m'))
          .where('derivatives.recording_id', '=', eb.ref('recordings.id'))
          .as('derived_at'),
        eb
          .selectFrom('exports')
          .select((x) => x.fn.max('created_at').as('m'))
          .where('exports.recording_id', '=', eb.ref('recordings.id'))
          .as('exported_at'),
        eb
          .selectFrom('case_archived_links')
          .innerJoin('cases', 'cases.id', 'case_archived_links.case_id')
          .select((x) => x.fn.max('cases.archived_at').as('m'))
          .where('case_archived_links.recording_id', '=', eb.ref('recordings.id'))
          .as('archived_at'),
      ])
      .where((eb) => linkedToAnyCase(eb))
      .where('recordings.id', 'not in', (eb) => eb.selectFrom('recording_expiries').select('recording_id').where('completed_at', 'is not', null))
      .execute();
  }

  /** Closed recordings that ended by `cutoff`, unlinked, unheld and not expired, the oldest first. */
  async pastUnlinkedPeriod(cutoff: string): Promise<Array<{ id: string; unit: string; ended_at: string | null }>> {
    return this.db
      .selectFrom('recordings')
      .leftJoin('recording_retention', 'recording_retention.recording_id', 'recordings.id')
      .leftJoin('recording_expiries', 'recording_expiries.recording_id', 'recordings.id')
      .select(['recordings.id', 'recordings.unit', 'recordings.ended_at'])
      .where('recordings.state', '=', 'closed')
      .where('recordings.ended_at', '<=', cutoff)
      .where('recording_retention.hold_at', 'is', null)
      .where((eb) => eb.or([eb('recording_retention.category', 'is', null), eb('recording_retention.category', '=', 'unlinked')]))
      .where('recording_expiries.completed_at', 'is', null)
      .where((eb) => eb.not(linkedToAnyCase(eb)))
      .orderBy('recordings.ended_at')
      .orderBy('recordings.id')
      .execute();
  }

  /** The expiry's row, unless an earlier run already wrote it. */
  async startExpiry(row: Insertable<RecordingExpiriesTable>): Promise<void> {
    await this.db
      .insertInto('recording_expiries')
      .values(row)
      .onConflict((oc) => oc.column('recording_id').doNothing())
      .execute();
  }

  async completeExpiry(recordingId: string, at: string): Promise<void> {
    await this.db.updateTable('recording_expiries').set({ completed_at: at }).where('recording_id', '=', recordingId).where('completed_at', 'is', null).execute();
  }

  /** Whether the recording's expiry was audited as done. */
  async expiryAudited(recordingId: string): Promise<boolean> {
    const done = await this.db.selectFrom('audit_events').select('seq').where('action', '=', 'retention.expire').where('subject', '=', recordingId).where('outcome', '=', 'ok').executeTakeFirst();
    return done !== undefined;
  }

  /** Ids of the recording's exports and redactions: each has objects of its own in the store. */
  async productsOf(recordingId: string): Promise<{ exportIds: string[]; redactionIds: string[] }> {
    const exports = await this.db.selectFrom('exports').select('id').where('recording_id', '=', recordingId).execute();
    const redactions = await this.db.selectFrom('redactions').select('id').where('recording_id', '=', recordingId).execute();
    return { exportIds: exports.map((e) => e.id), redactionIds: redactions.map((r) => r.id) };
  }

  /** Each recording's retention row, expiry, and whether a case links it (`linked`) or an archived one (`archived`). */
  async retentionStates(recordingIds: readonly string[]) {
    return this.db
      .selectFrom('recordings')
      .leftJoin('recording_retention', 'recording_retention.recording_id', 'recordings.id')
      .leftJoin('recording_expiries', 'recording_expiries.recording_id', 'recordings.id')
      .select((eb) => [
        'recordings.id',
        'recordings.ended_at',
        'recording_retention.category',
        'recording_retention.retain_until',
        'recording_retention.hold_reason',
        'recording_retention.hold_by',
        'recording_retention.hold_at',
        'recording_expiries.rule',
        'recording_expiries.period_ended_at',
        'recording_expiries.started_at',
        'recording_expiries.completed_at',
        'recording_expiries.objects',
        'recording_expiries.bytes',
        sql<number>`case when ${linkedToAnyCase(eb)} then 1 else 0 end`.as('linked'),
        eb.exists(eb.selectFrom('case_archived_links').select('case_archived_links.recording_id').where('case_archived_links.recording_id', '=', eb.ref('recordings.id'))).as('archived'),
      ])
      .where('recordings.id', 'in', recordingIds)
      .execute();
  }

  /**
   * Every recording (of `unit`, or of all with null) with what decides its category, its expiry's
   * freed bytes, and the bytes it keeps: sealed in the ledger, derived by workers, exported.
   */
  async keptBytes(unit: string | null) {
    const sum = (table: 'ledger_entries' | 'derivatives' | 'exports') => sql<number>`(select coalesce(sum(size), 0) from ${sql.table(table)} t where t.recording_id = recordings.id)`;
    return this.db
      .selectFrom('recordings')
      .leftJoin('recording_retention', 'recording_retention.recording_id', 'recordings.id')
      .leftJoin('recording_expiries', 'recording_expiries.recording_id', 'recordings.id')
      .select((eb) => [
        'recordings.unit',
        'recordings.state',
        'recordings.ended_at',
        'recording_retention.hold_at',
        'recording_expiries.completed_at',
        'recording_expiries.bytes as freed',
        sql<number>`case when ${linkedToAnyCase(eb)} then 1 else 0 end`.as('linked'),
        sum('ledger_entries').as('sealed_bytes'),
        sum('derivatives').as('derived_bytes'),
        sum('exports').as('exported_bytes'),
      ])
      .$if(unit !== null, (q) => q.where('recordings.unit', '=', unit!))
      .execute();
  }

  /**
   * The ledger's sizes per unit by the day they were sealed, `day` the index in `starts` (each
   * day's first instant, oldest first) of the last start before the sealing; sealed before `end`.
   * The day is found by comparing with each start, so SQLite and PostgreSQL agree without date
   * functions and no row of the span leaves the database.
   */
  async sealedBytesByDay(starts: string[], end: string, unit: string | null): Promise<Array<{ unit: string; day: number; bytes: number }>> {
    const days = starts.length;
    const dayOf =
      days === 1
        ? sql<number>`${sql.lit(0)}`
        : sql<number>`case ${sql.join(
            starts.slice(1).map((start, i) => sql`when ledger_entries.sealed_at < ${start} then ${sql.lit(i)}`),
            sql` `,
          )} else ${sql.lit(days - 1)} end`;
    const sealed = this.db
      .selectFrom('ledger_entries')
      .innerJoin('recordings', 'recordings.id', 'ledger_entries.recording_id')
      .select(['recordings.unit', 'ledger_entries.size', dayOf.as('day')])
      .where('ledger_entries.size', 'is not', null)
      .where('ledger_entries.sealed_at', '>=', starts[0]!)
      .where('ledger_entries.sealed_at', '<', end)
      .$if(unit !== null, (q) => q.where('recordings.unit', '=', unit!));
    return this.db
      .selectFrom(sealed.as('s'))
      .select(['s.unit', 's.day', (eb) => eb.fn.sum<number>('s.size').as('bytes')])
      .groupBy(['s.unit', 's.day'])
      .execute();
  }
}
