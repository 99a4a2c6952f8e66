import type { Selectable } from 'kysely';
import { newId } from '../ids.ts';
import { JOB_PRIORITY, type JobPayload, jobPayloads } from '../queue/job-kinds.ts';
import { Repository } from './repository.ts';
import type { Job, JobKind, OutboxTable } from './schema.ts';

const MAX_ERROR_CHARS = 2000;
const now = () => new Date().toISOString();

export type OutboxRow = Selectable<OutboxTable>;

/**
 * Jobs — what became of each, readable while Redis is away — with the outbox that hands them to
 * the queue, and the installation whose queue that is.
 */
export class JobRepository extends Repository {
  /**
   * A job asked for: its row and its outbox row, in the caller's transaction when there is one
   * (`beside`), never by talking to Redis: sealing and API requests go on while Redis is down, and
   * the relay (server/queue/outbox-relay.ts) hands the rows to BullMQ when it answers. Returns the
   * job's id.
   */
  async enqueue<K extends JobKind>(kind: K, payload: JobPayload<K>, subject: string | null): Promise<string> {
    const id = newId('job');
    const at = now();
    const body = JSON.stringify(jobPayloads[kind].parse(payload));
    // The job's row first: outside a transaction, a relay could otherwise hand a job to a worker
    // before its row exists, and the worker would set it aside as another installation's.
    await this.db.insertInto('jobs').values({ id, kind, subject, state: 'waiting', progress: 0, runs: 0, error: null, result: null, created_at: at, updated_at: at }).execute();
    await this.db.insertInto('outbox').values({ id, kind, payload: body, priority: JOB_PRIORITY[kind], created_at: at, enqueued_at: null }).execute();
    return id;
  }

  async get(id: string): Promise<Job> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** The newest `limit` jobs (of one subject), newest first. */
  async newest({ subject, limit }: { subject?: string; limit: number }): Promise<Job[]> {
    let q = this.db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
    if (subject !== undefined) q = q.where('subject', '=', subject);
    return q.execute();
  }

  /**
   * Counts a run and marks the job active. `finished` when the job already finished: Redis may
   * deliver a job again (a completion it never recorded, a job re-added after it lost its data),
   * and a finished job must not run twice. `foreign` when there is no such job here: it belongs to
   * another installation sharing the queue.
   */
  async startRun(id: string): Promise<'started' | 'finished' | 'foreign'> {
    const updated = await this.db
      .updateTable('jobs')
      .set((eb) => ({ state: 'active', runs: eb('runs', '+', 1), updated_at: now() }))
      .where('id', '=', id)
      .where('state', 'in', ['waiting', 'active'])
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) return 'started';
    return (await this.db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst()) ? 'finished' : 'foreign';
  }

  async recordProgress(id: string, percent: number): Promise<void> {
    const progress = Math.max(0, Math.min(100, Math.round(percent)));
    await this.db.updateTable('jobs').set({ progress, updated_at: now() }).where('id', '=', id).where('state', '=', 'active').execute();
  }

  async recordCompleted(id: string, result: Record<string, unknown> | void): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ state: 'completed', progress: 100, error: null, result: result ? JSON.stringify(result) : null, updated_at: now() })
      .where('id', '=', id)
      .execute();
  }

  /** A failed run: the job waits for its retry, or with `final` has failed for good. */
  async recordFailure(id: string, message: string, final: boolean): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ state: final ? 'failed' : 'waiting', error: message.slice(0, MAX_ERROR_CHARS), updated_at: now() })
      .where('id', '=', id)
      .execute();
  }

  /** The oldest `limit` outbox rows the queue has not taken yet. */
  async unrelayed(limit: number): Promise<OutboxRow[]> {
    return this.db.selectFrom('outbox').selectAll().where('enqueued_at', 'is', null).orderBy('created_at').orderBy('id').limit(limit).execute();
  }

  async markRelayed(ids: string[]): Promise<void> {
    await this.db.updateTable('outbox').set({ enqueued_at: new Date().toISOString() }).where('id', 'in', ids).execute();
  }

  /** Outbox rows the queue took whose jobs still wait, by id after `after`: the ones Redis may have lost. */
  async relayedWaiting(after: string, limit: number): Promise<OutboxRow[]> {
    return this.db
      .selectFrom('outbox')
      .innerJoin('jobs', 'jobs.id', 'outbox.id')
      .selectAll('outbox')
      .where('outbox.enqueued_at', 'is not', null)
      .where('jobs.state', '=', 'waiting')
      .where('outbox.id', '>', after)
      .orderBy('outbox.id')
      .limit(limit)
      .execute();
  }

  /** Which of these jobs are still waiting. */
  async stillWaiting(ids: string[]): Promise<string[]> {
    return (await this.db.selectFrom('jobs').select('id').where('id', 'in', ids).where('state', '=', 'waiting').execute()).map((r) => r.id);
  }

  /** This installation's identity (migration 0006), shared by all its nodes. */
  async installationId(): Promise<string> {
    return (await this.db.selectFrom('installation').select('id').executeTakeFirstOrThrow()).id;
  }
}
