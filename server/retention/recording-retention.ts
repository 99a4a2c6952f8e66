/**
 * Retention as the API, the command line and the leader's run reach it: one service over the
 * steps of this folder (views, the report, legal holds, the expiry plan and the run), built once
 * by the core with what every step works on.
 */
import type { Logger } from 'pino';
import type { Requester } from '../exports/export-requests.ts';
import { planExpiry, type ExpiryPlan } from './expiry-plan.ts';
import { type HoldChange, type Holder, liftHold, placeHold } from './legal-hold.ts';
import type { RetentionDeps } from './retention-deps.ts';
import { startRetentionJob } from './retention-job.ts';
import { GROWTH_DAYS, type RetentionReport, retentionReport } from './retention-report.ts';
import { type RetentionRun, runRetention } from './retention-run.ts';
import { retentionOf, type RetentionView, type ShownRetention, shownRetentions } from './retention-view.ts';

export class RecordingRetention {
  constructor(private readonly d: RetentionDeps) {}

  of(recordingId: string): Promise<RetentionView> {
    return retentionOf(this.d, recordingId);
  }

  /** What a list of recordings shows of each one's retention. */
  shown(recordingIds: readonly string[]): Promise<Map<string, ShownRetention>> {
    return shownRetentions(this.d, recordingIds);
  }

  /** `unit` null: every unit. */
  report(unit: string | null, growthDays = GROWTH_DAYS): Promise<RetentionReport> {
    return retentionReport(this.d, unit, growthDays);
  }

  hold(recordingId: string, input: unknown, by: Holder): Promise<HoldChange> {
    return placeHold(this.d, recordingId, input, by);
  }

  release(recordingId: string, input: unknown, by: Holder): Promise<HoldChange> {
    return liftHold(this.d, recordingId, input, by);
  }

  plan(): Promise<ExpiryPlan> {
    return planExpiry(this.d);
  }

  run(by: Requester): Promise<RetentionRun> {
    return runRetention(this.d, by);
  }

  /** The leader's periodic run. */
  start(everyMs: number, log: Logger): { stop(): Promise<void> } {
    return startRetentionJob(this.d, everyMs, log);
  }
}
