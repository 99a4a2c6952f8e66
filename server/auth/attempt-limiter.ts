/**
 * Sign-in attempts per address in a sliding window, in memory: it blunts password spraying from
 * one place before the per-account lockout has to. Per node; the lockout itself is in the database.
 */
export class AttemptLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt; returns seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const now = this.now();
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

  private prune(now: number): void {
    for (const [k, ts] of this.attempts) if (ts.every((t) => t <= now - this.windowMs)) this.attempts.delete(k);
  }
}
