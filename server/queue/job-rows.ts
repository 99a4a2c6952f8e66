/**
 * The jobs table: what became of each job, readable while Redis is away. Workers write it as a
 * job runs (JobRepository); the command line, the HTTP API and the player read it here.
 */
import type { JobRepository } from '../db/job-repository.ts';
import type { Job } from '../db/schema.ts';

/** What became of jobs, for the command line and the API. */
export class JobRows {
  constructor(private readonly jobs: JobRepository) {}

  /** The newest `limit` jobs (of one subject), oldest first. */
  async newest(which: { subject?: string; limit: number }): Promise<Job[]> {
    return (await this.jobs.newest(which)).reverse();
  }
}
