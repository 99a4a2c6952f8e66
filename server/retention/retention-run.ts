/**
 * One retention run, as `liuhen retention run` and the daily job do it: first the locks of what
 * cases keep are brought up to date, then what has reached the end of its period
 * expires. In that order, so a recording a case took since the last run is extended, not expired.
 */
import type { Requester } from '../exports/export-requests.ts';
import { reconcileCaseLocks } from './case-reconcile.ts';
import { type ExpiryOutcome, runExpiry } from './expiry-run.ts';
import type { RetentionDeps } from './retention-deps.ts';
import type { Extension } from './retention-extension.ts';

export interface RetentionRun {
  extended: Extension[];
  expiries: ExpiryOutcome[];
}

export async function runRetention(d: RetentionDeps, by: Requester): Promise<RetentionRun> {
  const extended = await reconcileCaseLocks(d, by);
  const expiries = await runExpiry(d, by);
  return { extended, expiries };
}
