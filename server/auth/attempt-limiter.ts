import { type Clock, systemClock } from '../clock.ts';

/**
 * Sign-in attempts per address in a sliding window, in memory: it blunts password spraying from
 * one place before the per-account lockout has to. Per node; the lockout itself is in the database.
 * A successful sign-in is given back (`refund`): a station's officers all sign in through its one
 * NAT address at the start of a shift, and only failures are spraying.
 */
export class AttemptLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Counts an attempt; returns seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const now = this.clock.now().getTime();
    const recent = (this.attempts.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.max) {
      this.attempts.set(key, recent);
      return Math.ceil((recent[0]! + this.windowMs - now) / 1000);
    }
    recent.push(now);
    this.attempts.set(key, recent);
    if (this.attempts.size > 10_000) this.prune(now);
    return 0;
  }

  /** Takes back the newest attempt of `key`: it succeeded. */
  refund(key: string): void {
    this.attempts.get(key)?.pop();
  }

  private prune(now: number): void {
    for (const [k, ts] of this.attempts) if (ts.every((t) => t <= now - this.windowMs)) this.attempts.delete(k);
  }
}

/**
 * Consecutive failed sign-ins per key, in memory: from `max` on, every attempt waits `lockMs` after
 * the one before, until one succeeds. An attempt is counted when it starts, synchronously, so
 * parallel attempts cannot all slip in under the limit. Keys are (badge, address) pairs, and the
 * badges no account has, which must answer as an account's counter in the database would
 * (user-registry.ts `countAttempt`, the same rule in one UPDATE).
 */
export class FailureLock {
  private readonly keys = new Map<string, { failures: number; lockedUntil: number; lastAt: number }>();

  constructor(
    private readonly max: number,
    private readonly lockMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Counts an attempt; returns seconds to wait when the key is locked (the attempt not counted), else 0. */
  attempt(key: string): number {
    const now = this.clock.now().getTime();
    const k = this.keys.get(key) ?? { failures: 0, lockedUntil: 0, lastAt: now };
    if (k.lockedUntil > now) return Math.ceil((k.lockedUntil - now) / 1000);
    k.failures++;
    k.lastAt = now;
    if (k.failures >= this.max) k.lockedUntil = now + this.lockMs;
    this.keys.set(key, k);
    if (this.keys.size > 10_000) this.prune(now);
    return 0;
  }

  succeeded(key: string): void {
    this.keys.delete(key);
  }

  /** Forgets keys quiet for a lock's length: their next failure starts a fresh count. */
  private prune(now: number): void {
    for (const [key, k] of this.keys) if (k.lockedUntil <= now && k.lastAt <= now - this.lockMs) this.keys.delete(key);
  }
}
