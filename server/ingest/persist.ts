/**
 * The one way the recording path writes through a door that can fail (store, database, disk):
 * try again until it works or the server stops. A segment that cannot be sealed now waits in the
 * spool and is sealed, in order, when the door opens again; it is never skipped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import { TakenOver } from '../ledger/sealer.ts';

/** What kind of door failed: the label of the retry metric and the first word of the log line. */
export type FaultKind = 'disk_full' | 'descriptors' | 'store' | 'database' | 'other';

export function faultKind(err: unknown): FaultKind {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; stderr?: unknown; $metadata?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  // ffmpeg's failures carry the reason in its stderr.
  const text = `${code} ${String(e?.name ?? '')} ${String(e?.message ?? '')} ${typeof e?.stderr === 'string' ? e.stderr : ''}`;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || /No space left/i.test(text)) return 'disk_full';
  if (code === 'EMFILE' || code === 'ENFILE') return 'descriptors';
  // pg and better-sqlite3 errors; a refused or reset connection to PostgreSQL has no SQL state.
  const stack = typeof (err as Error | undefined)?.stack === 'string' ? (err as Error).stack! : '';
  if (/^SQLITE_|^(?=.*\d)[0-9A-Z]{5}$/.test(code) || /postgres|database|Connection terminated/i.test(text) || /node_modules\/pg(-pool)?\//.test(stack)) return 'database';
  if (e?.$metadata !== undefined || /S3|bucket|RGW|ECONNREFUSED|ECONNRESET|socket hang up|ETIMEDOUT|EPIPE/i.test(text)) return 'store';
  return 'other';
}

/** Thrown out of a retry loop when the server stops: the work stays where it is for the next start. */
export class Stopping extends Error {
  constructor() {
    super('liuhen is stopping');
  }
}

const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 5000;

export interface Persistence {
  stopping(): boolean;
  log: Logger;
  metrics?: Metrics;
}

/**
 * Runs `op` until it succeeds. The first failure of an outage and its end are logged once each,
 * with how long it lasted; every failed attempt counts in liuhen_seal_retries_total.
 */
export async function persist<T>(p: Persistence, what: string, context: Record<string, unknown>, op: () => Promise<T>): Promise<T> {
  let wait = FIRST_WAIT_MS;
  let since: number | undefined;
  for (;;) {
    if (p.stopping()) throw new Stopping();
    try {
      const result = await op();
      if (since !== undefined) p.log.warn({ ...context, what, outageMs: performance.now() - since }, 'recording path recovered');
      return result;
    } catch (e) {
      // Not a door that failed: a decision for the caller, which trying again cannot change.
      if (e instanceof Stopping || e instanceof TakenOver) throw e;
      const kind = faultKind(e);
      p.metrics?.sealRetries.inc({ cause: kind });
      if (since === undefined) {
        since = performance.now();
        p.log.error({ ...context, what, kind, err: e }, 'recording path failed; retrying until it works');
      }
      await sleep(wait);
      wait = Math.min(LONGEST_WAIT_MS, wait * 2);
    }
  }
}
