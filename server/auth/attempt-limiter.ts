import { type Clock, systemClock } from '../clock.ts';
import type { AttemptRepository } from '../db/attempt-repository.ts';

/** Counted attempts between prunes of the counts that would start over anyway. */
const PRUNE_EVERY = 1000;

/** Seconds until `lockedUntil`, at least 1: a refusal always asks the caller to wait. */
function secondsUntil(lockedUntil: string | undefined, now: Date): number {
  return lockedUntil === undefined ? 0 : Math.max(1, Math.ceil((Date.parse(lockedUntil) - now.getTime()) / 1000));
}

/** The counts in the database every node shares: a limit of one node would be a limit per node. */
abstract class SharedCounts {
  private sincePrune = 0;

  constructor(
    protected readonly attempts: AttemptRepository,
    protected readonly scope: string,
    protected readonly clock: Clock,
  ) {}

  protected async pruneNow(now: Date): Promise<void> {
    if (++this.sincePrune < PRUNE_EVERY) return;
    this.sincePrune = 0;
    await this.attempts.prune(now.toISOString());
  }
}

/**
 * Attempts per key (an address) in a window: it blunts password spraying from one place before the
 * per-account lockout has to. A successful sign-in is given back (`refund`): a station's officers
 * all sign in through its one NAT address at the start of a shift, and only failures are spraying.
 * The window is fixed from its first attempt, not sliding: one row per key, counted in one upsert.
 */
export class AttemptLimiter extends SharedCounts {
  constructor(
    attempts: AttemptRepository,
    scope: string,
    private readonly max: number,
    private readonly windowMs: number,
    clock: Clock = systemClock,
  ) {
    super(attempts, scope, clock);
  }

  /** Counts an attempt; returns seconds to wait when over the limit, else 0. */
  async hit(key: string): Promise<number> {
    const now = this.clock.now();
    const locked = await this.attempts.hitInWindow(this.scope, key, now.toISOString(), new Date(now.getTime() + this.windowMs).toISOString(), this.max);
    await this.pruneNow(now);
    return secondsUntil(locked, now);
  }

  /** Takes back an attempt of `key`: it succeeded. */
  async refund(key: string): Promise<void> {
    await this.attempts.uncount(this.scope, key);
  }
}

/**
 * Consecutive failed attempts per key: from `max` on, every attempt waits `lockMs` after the one
 * before, until one succeeds. An attempt is counted when it starts, in one upsert, so parallel
 * attempts cannot all slip in under the limit. Keys are (badge, address) pairs, and the badges no
 * account has, which must answer as an account's counter in the database would
 * (user-registry.ts `countAttempt`, the same rule in one UPDATE). A key quiet for a lock's length
 * starts over.
 */
export class FailureLock extends SharedCounts {
  constructor(
    attempts: AttemptRepository,
    scope: string,
    private readonly max: number,
    private readonly lockMs: number,
    clock: Clock = systemClock,
  ) {
    super(attempts, scope, clock);
  }

  /** Counts an attempt; returns seconds to wait when the key is locked (the attempt not counted), else 0. */
  async attempt(key: string): Promise<number> {
    const now = this.clock.now();
    const locked = await this.attempts.countFailure(this.scope, key, now.toISOString(), new Date(now.getTime() + this.lockMs).toISOString(), this.max);
    await this.pruneNow(now);
    return secondsUntil(locked, now);
  }

  async succeeded(key: string): Promise<void> {
    await this.attempts.clear(this.scope, key);
  }
}
