/**
 * Retention as the API, the command line and the leader's run reach it: one service over the
 * parts of this folder (views, the report, legal holds, the expiry plan and the run), built once
 * by the core, which builds each part once with what it works on.
 */
import type { Logger } from 'pino';
import type { Requester } from '../exports/export-requests.ts';
import { CaseRetention } from './case-retention.ts';
import { type ExpiryPlan, ExpiryPlanner } from './expiry-plan.ts';
import { type ExpiryOutcome, RecordingExpiry } from './expiry-run.ts';
import { type HoldChange, type Holder, LegalHolds } from './legal-hold.ts';
import { RecordingObjects } from './recording-objects.ts';
import type { RetentionDeps } from './retention-deps.ts';
import { type RetentionRun, startRetentionJob } from './retention-job.ts';
import { GROWTH_DAYS, type RetentionReport, RetentionReports } from './retention-report.ts';
import { type RetentionView, RetentionViews, type ShownRetention } from './retention-view.ts';

export class RecordingRetention {
  private readonly views: RetentionViews;
  private readonly reports: RetentionReports;
  private readonly holds: LegalHolds;
  private readonly planner: ExpiryPlanner;
  private readonly expiry: RecordingExpiry;
  private readonly cases: CaseRetention;

  constructor(d: RetentionDeps) {
    const objects = new RecordingObjects(d.repos.retention, d.store);
    this.views = new RetentionViews(d);
    this.reports = new RetentionReports(d);
    this.holds = new LegalHolds(d, objects);
    this.planner = new ExpiryPlanner(d, objects);
    this.expiry = new RecordingExpiry(d, this.planner);
    this.cases = new CaseRetention(d);
  }

  of(recordingId: string): Promise<RetentionView> {
    return this.views.of(recordingId);
  }

  /** What a list of recordings shows of each one's retention. */
  shown(recordingIds: readonly string[]): Promise<Map<string, ShownRetention>> {
    return this.views.shown(recordingIds);
  }

  /** `unit` null: every unit. */
  report(unit: string | null = null, growthDays = GROWTH_DAYS): Promise<RetentionReport> {
    return this.reports.report(unit, growthDays);
  }

  hold(recordingId: string, input: unknown, by: Holder): Promise<HoldChange> {
    return this.holds.place(recordingId, input, by);
  }

  release(recordingId: string, input: unknown, by: Holder): Promise<HoldChange> {
    return this.holds.lift(recordingId, input, by);
  }

  plan(): Promise<ExpiryPlan> {
    return this.planner.plan();
  }

  /** Expires what the plan says is due, without the run's catching up on the cases first. */
  expire(by: Requester): Promise<ExpiryOutcome[]> {
    return this.expiry.run(by);
  }

  /**
   * One retention run, as `liuhen retention run` and the daily job do it: first the locks of what
   * cases keep are brought up to date, then what has reached the end of its period expires. In
   * that order, so a recording a case took since the last run is extended, not expired.
   */
  async run(by: Requester): Promise<RetentionRun> {
    const extended = await this.cases.reconcile(by);
    const expiries = await this.expire(by);
    return { extended, expiries };
  }

  /** The leader's periodic run. */
  start(everyMs: number, log: Logger): { stop(): Promise<void> } {
    return startRetentionJob((by) => this.run(by), everyMs, log);
  }
}
