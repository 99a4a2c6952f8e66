/**
 * Jobs are asked for by writing them into the database — in the caller's transaction when there is
 * one — never by talking to Redis: sealing and API requests go on while Redis is down, and the
 * relay (outbox-relay.ts) hands the rows to BullMQ when it answers.
 */
import type { JobRepository } from '../db/job-repository.ts';
import type { JobKind } from '../db/schema.ts';
import type { JobPayload } from './job-kinds.ts';

export function enqueueJob<K extends JobKind>(jobs: JobRepository, kind: K, payload: JobPayload<K>, subject: string | null): Promise<string> {
  return jobs.enqueue(kind, payload, subject);
}
