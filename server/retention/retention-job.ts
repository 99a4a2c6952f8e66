/**
 * The in-process retention run of `liuhen up`: once shortly after start, then every
 * LIUHEN_RETENTION_RUN_DAYS (a day). A run never overlaps the one before; a failed run is logged
 * and the next one starts over (every step is idempotent).
 */
import type { Logger } from 'pino';
import type { Requester } from '../exports/export-requests.ts';
import type { ExpiryOutcome } from './expiry-run.ts';
import type { Extension } from './retention-extension.ts';

/** What one run did: the case locks it extended, then the expiries it tried. */
export interface RetentionRun {
  extended: Extension[];
  expiries: ExpiryOutcome[];
}

/** Who the audit names for the job's acts. */
export const RETENTION_ACTOR = 'system:retention';
const FIRST_RUN_MS = 60_000;

export function startRetentionJob(runRetention: (by: Requester) => Promise<RetentionRun>, everyMs: number, log: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = runRetention({ actor: RETENTION_ACTOR })
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
