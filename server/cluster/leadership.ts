/**
 * Duties that must run on one node of a deployment at a time — the outbox relay, the room sweep,
 * the audit checkpoints, the retention run — started on the node that holds the leader lock
 * (server/db/leader-lock.ts, a PostgreSQL advisory lock) and stopped when it loses it. Nodes that
 * do not lead try again every few seconds; when the leader dies its session ends, the lock is free,
 * and the next try of another node takes it. The leader checks its session as often, so a cut
 * connection makes it step down (and stop its duties) before another can lead.
 */
import type { Logger } from 'pino';
import type { LeaderLock } from '../db/leader-lock.ts';

/** What a started duty gives back. */
export interface RunningDuty {
  stop(): Promise<void> | void;
}

/** A duty by name, started afresh each time this node comes to lead. */
export interface Duty {
  name: string;
  start(): Promise<RunningDuty> | RunningDuty;
}

export const LEADER_RETRY_MS = 3000;

export class Leadership {
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private running: { name: string; duty: RunningDuty }[] = [];
  private held = false;
  private stopped = false;
  /** a failure to reach the database was logged; its end will be too */
  private failing = false;

  constructor(
    private readonly lock: LeaderLock,
    private readonly duties: Duty[],
    private readonly log: Logger,
    private readonly retryMs = LEADER_RETRY_MS,
  ) {
    lock.onLost(() => void this.step(() => this.stepDown('its database session ended')));
  }

  get leading(): boolean {
    return this.held;
  }

  /** Tries now, then every retry period. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.step(() => this.tick()), this.retryMs);
    this.timer.unref();
    return this.step(() => this.tick());
  }

  /** Stops the duties and lets go of the lock, so another node leads at its next try. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.stopDuties();
    this.held = false;
    await this.lock.release();
  }

  /** One step at a time: a tick and a loss never interleave. */
  private step(work: () => Promise<void>): Promise<void> {
    const next = (this.ticking ?? Promise.resolve()).then(() => (this.stopped ? undefined : work()));
    // Each step logs its own failures; one that throws all the same must not stop the steps after it.
    this.ticking = next.catch((err) => this.log.error({ err }, 'leadership: a step failed'));
    return this.ticking;
  }

  private async tick(): Promise<void> {
    try {
      if (this.held) await this.lock.check();
      else if (await this.lock.tryAcquire()) await this.takeOver();
      if (this.failing) this.log.info('leadership: the database answers again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err }, 'leadership: cannot reach the database; trying again');
      this.failing = true;
      await this.stepDown('its database session failed');
    }
  }

  private async takeOver(): Promise<void> {
    this.held = true;
    this.log.info({ duties: this.duties.map((d) => d.name) }, 'leadership: this node leads; starting single-run duties');
    for (const d of this.duties) {
      try {
        this.running.push({ name: d.name, duty: await d.start() });
      } catch (err) {
        // A leader must run every duty: it hands the lock on and tries again (this node or another) at the next try.
        this.log.error({ err, duty: d.name }, 'leadership: a duty failed to start');
        await this.stepDown(`its duty "${d.name}" failed to start`);
        return;
      }
    }
  }

  private async stepDown(why: string): Promise<void> {
    const wasLeading = this.held;
    this.held = false;
    if (wasLeading) this.log.warn({ why }, 'leadership: this node no longer leads; stopping single-run duties');
    await this.stopDuties();
    await this.lock.release();
  }

  private async stopDuties(): Promise<void> {
    const running = this.running.reverse();
    this.running = [];
    for (const { name, duty } of running) {
      try {
        await duty.stop();
      } catch (err) {
        this.log.error({ err, duty: name }, 'leadership: a duty failed to stop');
      }
    }
  }
}
