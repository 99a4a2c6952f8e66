/**
 * Jobs are asked for by writing them into the database — in the caller's transaction when there is
 * one — never by talking to Redis: sealing and API requests go on while Redis is down, and the
 * relay (outbox-relay.ts) hands the rows to BullMQ when it answers.
 */
import type { Kysely } from 'kysely';
import type { JobKind, Schema } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { JOB_PRIORITY, type JobPayload, jobPayloads } from './job-kinds.ts';

export async function enqueueJob<K extends JobKind>(db: Kysely<Schema>, kind: K, payload: JobPayload<K>, subject: string | null): Promise<string> {
  const id = newId('job');
  const now = new Date().toISOString();
  const body = JSON.stringify(jobPayloads[kind].parse(payload));
  // The job's row first: outside a transaction, a relay could otherwise hand a job to a worker
  // before its row exists, and the worker would set it aside as another installation's.
  await db
    .insertInto('jobs')
    .values({ id, kind, subject, state: 'waiting', progress: 0, runs: 0, error: null, result: null, created_at: now, updated_at: now })
    .execute();
  await db.insertInto('outbox').values({ id, kind, payload: body, priority: JOB_PRIORITY[kind], created_at: now, enqueued_at: null }).execute();
  return id;
}
