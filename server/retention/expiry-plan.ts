/**
 * Which recordings have reached the end of their period (`liuhen retention plan` shows it, the
 * run acts on it): closed, ended more than the unlinked period ago, linked to no case, under no
 * hold, not expired already. Each one's objects are read back from the store: one still locked
 * (written before retention by category, or a product made later) or held there waits — the
 * store would refuse it anyway.
 */
import type { RetentionDeps } from './retention-deps.ts';
import { goesWithExpiry, type RecordingObjects } from './recording-objects.ts';
import { unlinkedCutoff, unlinkedPeriodEnd } from './retention-rules.ts';

export interface ExpiryObject {
  key: string;
  size: number;
  sha256: string | null;
}

export interface PlannedExpiry {
  recordingId: string;
  unit: string;
  rule: 'unlinked';
  periodEndedAt: string;
  objects: ExpiryObject[];
  bytes: number;
}

/** Past its period, but the store still keeps some of it. */
export interface WaitingExpiry {
  recordingId: string;
  unit: string;
  periodEndedAt: string;
  /** the latest lock date still in force, if one is */
  lockedUntil: string | null;
  /** a legal hold is on an object in the store */
  heldInStore: boolean;
}

export interface ExpiryPlan {
  at: string;
  due: PlannedExpiry[];
  waiting: WaitingExpiry[];
  /** bytes the due expiries free */
  bytes: number;
}

export type PlanDeps = Pick<RetentionDeps, 'repos' | 'store' | 'periods' | 'clock'>;

export class ExpiryPlanner {
  constructor(
    private readonly d: PlanDeps,
    private readonly objects: RecordingObjects,
  ) {}

  async plan(): Promise<ExpiryPlan> {
    const { d } = this;
    const now = d.clock.now();
    const candidates = await d.repos.retention.pastUnlinkedPeriod(unlinkedCutoff(now, d.periods.unlinkedMs));

    const plan: ExpiryPlan = { at: now.toISOString(), due: [], waiting: [], bytes: 0 };
    for (const c of candidates) {
      const periodEndedAt = unlinkedPeriodEnd(c.ended_at!, d.periods.unlinkedMs).toISOString();
      const objects: ExpiryObject[] = [];
      let lockedUntil: Date | null = null;
      let heldInStore = false;
      for (const key of (await this.objects.keys(c.id)).filter((k) => goesWithExpiry(c.id, k))) {
        const info = await d.store.head(key);
        if (!info) continue;
        objects.push({ key, size: info.size, sha256: info.sha256 ?? null });
        if (info.legalHold) heldInStore = true;
        if (info.retainUntil && info.retainUntil > now && (!lockedUntil || info.retainUntil > lockedUntil)) lockedUntil = info.retainUntil;
      }
      if (heldInStore || lockedUntil) {
        plan.waiting.push({ recordingId: c.id, unit: c.unit, periodEndedAt, lockedUntil: lockedUntil?.toISOString() ?? null, heldInStore });
        continue;
      }
      const bytes = objects.reduce((n, o) => n + o.size, 0);
      plan.due.push({ recordingId: c.id, unit: c.unit, rule: 'unlinked', periodEndedAt, objects, bytes });
      plan.bytes += bytes;
    }
    return plan;
  }
}
