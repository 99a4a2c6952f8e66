/**
 * The jobs table: what became of each job, readable while Redis is away. Workers write it as a
 * job runs; the command line, the HTTP API and the player read it.
 */
import type { Db } from '../db/database.ts';
import type { Job } from '../db/schema.ts';

const MAX_ERROR_CHARS = 2000;
const now = () => new Date().toISOString();

/**
 * Counts a run and marks the job active. `finished` when the job already finished: Redis may
 * deliver a job again (a completion it never recorded, a job re-added after it lost its data),
 * and a finished job must not run twice. `foreign` when there is no such job here: it belongs to
 * another installation sharing the queue.
 */
export async function startRun(db: Db, id: string): Promise<'started' | 'finished' | 'foreign'> {
  const updated = await db
    .updateTable('jobs')
    .set((eb) => ({ state: 'active', runs: eb('runs', '+', 1), updated_at: now() }))
    .where('id', '=', id)
    .where('state', 'in', ['waiting', 'active'])
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return 'started';
  return (await db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst()) ? 'finished' : 'foreign';
}

export async function recordProgress(db: Db, id: string, percent: number): Promise<void> {
  const progress = Math.max(0, Math.min(100, Math.round(percent)));
  await db.updateTable('jobs').set({ progress, updated_at: now() }).where('id', '=', id).where('state', '=', 'active').execute();
}

export async function recordCompleted(db: Db, id: string, result: Record<string, unknown> | void): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ state: 'completed', progress: 100, error: null, result: result ? JSON.stringify(result) : null, updated_at: now() })
    .where('id', '=', id)
    .execute();
}

/** A failed run: the job waits for its retry, or with `final` has failed for good. */
export async function recordFailure(db: Db, id: string, message: string, final: boolean): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ state: final ? 'failed' : 'waiting', error: message.slice(0, MAX_ERROR_CHARS), updated_at: now() })
    .where('id', '=', id)
    .execute();
}

/** The newest `limit` jobs (of one subject), oldest first. */
export async function jobsOf(db: Db, { subject, limit }: { subject?: string; limit: number }): Promise<Job[]> {
  let q = db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
  if (subject !== undefined) q = q.where('subject', '=', subject);
  return (await q.execute()).reverse();
}
