/**
 * Which keys in Redis are this installation's. Several installations may share one Redis, and
 * installations on one prefix take each other's jobs; so unless the operator names a prefix, each
 * gets one from its own identity. That identity lives in the database (migration 0006), not the
 * data dir: every node of an installation — `liuhen up` here, `liuhen worker` on another machine —
 * shares its database and has a data dir of its own.
 */
import type { Config } from '../config.ts';
import type { JobRepository } from '../db/job-repository.ts';
import type { QueueConfig } from './job-queue.ts';

/** 12 hex digits (48 bits) tell apart any number of installations one Redis will ever see. */
const ID_DIGITS = 12;

/** This installation's queue settings, for the server, `liuhen worker` and the relay. */
export class QueueSettings {
  constructor(
    private readonly jobs: JobRepository,
    private readonly queue: Config['queue'],
  ) {}

  /** The queue settings with their prefix: the one set explicitly, or this installation's own. */
  async current(): Promise<QueueConfig> {
    if (this.queue.prefix !== undefined) return { ...this.queue, prefix: this.queue.prefix };
    const id = await this.jobs.installationId();
    return { ...this.queue, prefix: `liuhen-${id.slice(0, ID_DIGITS)}` };
  }
}
