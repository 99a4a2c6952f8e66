/**
 * Moves outbox rows into the job queue, oldest first, whenever Redis answers. A row is marked
 * only after Redis took it; a crash in between adds the same jobId again, which BullMQ ignores,
 * so each job reaches the queue once. Several relays (one per server node) may run over one
 * database for the same reason.
 *
 * Redis can also forget: one restarted without persistence (or a failover that lost writes) no
 * longer holds jobs the relay already handed over, and the outbox alone cannot tell. So each time
 * Redis answers again, the relay asks it about every job the jobs table says is still waiting,
 * and adds again the ones it no longer holds. Jobs that were running when Redis forgot them are
 * left to their worker, which records how they ended.
 */
import type { Logger } from 'pino';
import type { JobRepository, OutboxRow } from '../db/job-repository.ts';
import { type JobProducer, openJobProducer, type OutgoingJob } from './job-queue.ts';
import type { QueueSettings } from './queue-prefix.ts';

const POLL_MS = 500;
const BATCH = 100;

const outgoing = (row: OutboxRow): OutgoingJob => ({ id: row.id, kind: row.kind, payload: JSON.parse(row.payload), priority: row.priority });

export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Redis has just answered: it may have forgotten jobs it was given */
  private recheck = true;
  /** a failure was logged; its end will be too */
  private failing = false;

  constructor(
    private readonly jobs: JobRepository,
    private readonly queue: JobProducer,
    private readonly log: Logger,
  ) {
    queue.onUp(() => {
      this.recheck = true;
      this.nudge();
    });
  }

  /** The relay with a producer of its own, as the server and `liuhen worker` run it. */
  static async start(jobs: JobRepository, settings: QueueSettings, log: Logger): Promise<OutboxRelay> {
    const queue = await settings.current();
    log.info({ prefix: queue.prefix }, 'job queue prefix');
    const relay = new OutboxRelay(jobs, openJobProducer(queue, log), log);
    relay.start();
    return relay;
  }

  start(): void {
    this.timer = setInterval(() => this.nudge(), POLL_MS);
    this.nudge();
  }

  /** Relays now rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
  }

  /** Waits for a batch in flight, then lets go of Redis. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.queue.close();
  }

  private async pass(): Promise<void> {
    if (!this.queue.up) return;
    try {
      if (this.recheck) {
        await this.addLostJobs();
        this.recheck = false;
      }
      while (!this.stopped && (await this.relayBatch()) === BATCH);
      if (this.failing) this.log.info('outbox relay: moving jobs again');
      this.failing = false;
    } catch (err) {
      // While Redis is away the producer has said so; anything else is worth one line.
      if (!this.failing && this.queue.up) {
        this.log.warn({ err }, 'outbox relay: could not move jobs; they stay in the outbox and are tried again');
        this.failing = true;
      }
    }
  }

  /** Returns how many rows it moved. */
  private async relayBatch(): Promise<number> {
    const rows = await this.jobs.unrelayed(BATCH);
    if (rows.length === 0) return 0;
    await this.queue.add(rows.map(outgoing));
    await this.jobs.markRelayed(rows.map((r) => r.id));
    return rows.length;
  }

  private async addLostJobs(): Promise<void> {
    let after = '';
    let added = 0;
    for (;;) {
      const rows = await this.jobs.relayedWaiting(after, BATCH);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const missing = await this.queue.missing(rows.map((r) => r.id));
      if (missing.length === 0) continue;
      // Asked again after Redis answered: a job that finished meanwhile says so here first.
      const stillWaiting = new Set(await this.jobs.stillWaiting(missing));
      const lost = rows.filter((r) => stillWaiting.has(r.id));
      if (lost.length === 0) continue;
      await this.queue.add(lost.map(outgoing));
      added += lost.length;
    }
    if (added > 0) this.log.warn({ jobs: added }, 'outbox relay: Redis had lost jobs it was given; added them again');
  }
}
