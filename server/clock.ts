/**
 * Where domain code reads the time. The composition root (server/core.ts) builds one clock and
 * hands it to every service, so a test sets the time once for all of them and no service reads
 * the machine's clock behind its back (test/unit/clock-door.test.ts). Elapsed time for metrics
 * and timeouts is `performance.now()`, not this.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
