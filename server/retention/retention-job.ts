/**
 * The in-process retention run of `liuhen up`: once shortly after start, then every
 * LIUHEN_RETENTION_RUN_DAYS (a day). A run never overlaps the one before; a failed run is logged
 * and the next one starts over (every step is idempotent).
 */
import type { Logger } from 'pino';
import type { RetentionDeps } from './retention-deps.ts';
import { runRetention } from './retention-run.ts';

/** Who the audit names for the job's acts. */
export const RETENTION_ACTOR = 'system:retention';
const FIRST_RUN_MS = 60_000;

export function startRetentionJob(d: RetentionDeps, everyMs: number, log: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = runRetention(d, { actor: RETENTION_ACTOR })
      .then((r) => {
        const expired = r.expiries.filter((e) => e.outcome === 'expired');
        if (r.extended.length + r.expiries.length > 0) log.info({ extended: r.extended.length, expired: expired.length, refused: r.expiries.length - expired.length }, 'retention run');
      })
      .catch((e) => log.error({ err: e }, 'retention run failed'))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(tick, Math.min(FIRST_RUN_MS, everyMs));
  // Node fires an interval past 2^31 - 1 ms at once: longer periods run at that.
  const timer = setInterval(tick, Math.min(everyMs, 2 ** 31 - 1));
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
