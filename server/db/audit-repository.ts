import { PostgresAdapter, sql } from 'kysely';
import { Repository } from './repository.ts';
import type { AuditEvent } from './schema.ts';

export interface AuditFilter {
  action?: string;
  /** events of one actor, e.g. `user:<id>` */
  actor?: string;
  subject?: string;
  since?: string;
  limit?: number;
}

/** Chunks keep each INSERT under SQLite's limit on bound parameters. */
const INSERT_CHUNK = 500;

/** The access audit's events: appended in chain order, never updated or deleted. */
export class AuditRepository extends Repository {
  /**
   * Inside an append's transaction, before reading the head: appenders of every node take turns at
   * the head until their transaction ends. Without it, nodes that read the same head race for the
   * next seq, and under load the losers retried until they gave up (bench:audit, 3 nodes: 19,079
   * events lost in 8 s). SQLite has one writer already.
   */
  async lockHead(): Promise<void> {
    if (this.db.getExecutor().adapter instanceof PostgresAdapter) await sql`SELECT pg_advisory_xact_lock(hashtext('liuhen audit chain'))`.execute(this.db);
  }

  /** The chain's newest event, where the next one links. */
  async head(): Promise<Pick<AuditEvent, 'seq' | 'hash'> | undefined> {
    return this.db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  }

  /** Appends events already chained onto the head, in their order. */
  async append(events: AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += INSERT_CHUNK)
      await this.db
        .insertInto('audit_events')
        .values(events.slice(i, i + INSERT_CHUNK))
        .execute();
  }

  /** In chain order. */
  async query(filter: AuditFilter): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll().orderBy('seq');
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.actor) q = q.where('actor', '=', filter.actor);
    if (filter.subject) q = q.where('subject', '=', filter.subject);
    if (filter.since) q = q.where('at', '>=', filter.since);
    if (filter.limit) q = q.limit(filter.limit);
    return q.execute();
  }

  /** Up to `limit` events after `seq`, in chain order. */
  async after(seq: number, limit: number): Promise<AuditEvent[]> {
    return this.db.selectFrom('audit_events').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
  }

  /** What an account did or had done to it (of one `action` only, if given): newest first, at most `limit`. */
  async concerning(userId: string, limit: number, action?: string): Promise<AuditEvent[]> {
    let q = this.db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) => eb.or([eb('actor', '=', `user:${userId}`), eb('subject', '=', userId)]))
      .orderBy('seq', 'desc')
      .limit(limit);
    if (action !== undefined) q = q.where('action', '=', action);
    return q.execute();
  }
}
