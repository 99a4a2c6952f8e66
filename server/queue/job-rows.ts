/**
 * The jobs table: what became of each job, readable while Redis is away. Workers write it as a
 * job runs (JobRepository); the command line, the HTTP API and the player read it here.
 */
import type { JobRepository } from '../db/job-repository.ts';
import type { Job } from '../db/schema.ts';

/** The newest `limit` jobs (of one subject), oldest first. */
export async function jobsOf(jobs: JobRepository, which: { subject?: string; limit: number }): Promise<Job[]> {
  return (await jobs.newest(which)).reverse();
}
