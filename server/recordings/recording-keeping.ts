/**
 * The custodian's acts on a recording — sharing it with a reviewer for a period, setting or
 * clearing its confidentiality label — in one place for the API and `liuhen recording`, each
 * decided by the keeper's own rule and audited, refusals included.
 */
import { z } from 'zod';
import type { AuditAction } from '../audit/audit-actions.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { badgeSchema } from '../badges.ts';
import type { Repositories } from '../db/repositories.ts';
import type { PlaybackRepository } from '../db/playback-repository.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import { CONFIDENTIALITY_LABELS, type Confidentiality, type Recording } from '../db/schema.ts';
import { LiuhenError, markAudited, NotAllowed, StateConflict, UserNotFound } from '../errors.ts';
import type { Decision } from '../policy/policy.ts';
import { type Clock, systemClock } from '../clock.ts';

export const labelSchema = z.enum(CONFIDENTIALITY_LABELS as [Confidentiality, ...Confidentiality[]]).nullable();

/** Whom to share with (by user id, as the API always took, or by badge) and until when; no end is for ever. */
export const shareInputSchema = z
  .object({
    userId: z.string().min(1).max(64).optional(),
    badge: badgeSchema.optional(),
    until: z.string().datetime({ offset: true }).optional(),
  })
  .refine((s) => (s.userId === undefined) !== (s.badge === undefined), { message: 'name the reviewer by userId or by badge, not both', path: ['badge'] });
export type ShareInput = z.input<typeof shareInputSchema>;

/** A share that cannot be (400): with someone not an active reviewer (`not_a_reviewer`), or ending before now (`share_period_over`). */
export class ShareRefused extends LiuhenError {}

/** Who acts, where from, and the rule that decides for them. */
export interface Keeper {
  actor: string;
  address?: string | null;
  userAgent?: string | null;
  mayShare(rec: Recording): Decision;
  mayLabel(rec: Recording, to: Confidentiality | null): Decision;
}

export interface Share {
  recordingId: string;
  userId: string;
  badge: string;
  until: string | null;
}

export class RecordingKeeping {
  private readonly recordings: RecordingRepository;
  private readonly playback: PlaybackRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly clock: Clock = systemClock,
  ) {
    this.recordings = repos.recordings;
    this.playback = repos.playback;
  }

  async share(by: Keeper, recordingId: string, input: ShareInput): Promise<Share> {
    const rec = await this.recordings.get(recordingId);
    await this.enforce(by, by.mayShare(rec), 'recording.share', rec.id);
    const { userId, badge, until } = shareInputSchema.parse(input);
    if (until !== undefined && Date.parse(until) <= this.clock.now().getTime()) throw new ShareRefused('share_period_over', 'a share must end in the future');
    const target = await this.playback.shareTarget(userId, badge);
    if (!target) throw new UserNotFound(userId ?? badge!);
    // Sharing opens replay to reviewers only (the policy's sharedWithViewer); to anyone else it would be a grant that does nothing, or worse later.
    if (target.role !== 'reviewer' || target.state !== 'active') throw new ShareRefused('not_a_reviewer', `${target.badge} is not an active reviewer`);
    const expiresAt = until === undefined ? null : new Date(until).toISOString();
    const row = { shared_by: by.actor, shared_at: this.clock.now().toISOString(), expires_at: expiresAt };
    // Sharing again sets a new period (longer or shorter) rather than keeping the old one unseen.
    await this.playback.share(rec.id, target.id, row);
    await this.audit.record({ ...this.origin(by), action: 'recording.share', subject: rec.id, outcome: 'ok', detail: { with: target.id, badge: target.badge, until: expiresAt } });
    return { recordingId: rec.id, userId: target.id, badge: target.badge, until: expiresAt };
  }

  async label(by: Keeper, recordingId: string, to: Confidentiality | null): Promise<{ from: Confidentiality | null; to: Confidentiality | null }> {
    const rec = await this.recordings.get(recordingId);
    const label = labelSchema.parse(to);
    await this.enforce(by, by.mayLabel(rec, label), 'recording.label', rec.id);
    // Only from the label the decision was made on: a change landing meanwhile is not overwritten unseen.
    if (!(await this.recordings.relabel(rec.id, rec.confidentiality, label))) throw new StateConflict('label_changed', `the label of ${rec.id} changed meanwhile; read it again`);
    await this.audit.record({ ...this.origin(by), action: 'recording.label', subject: rec.id, outcome: 'ok', detail: { from: rec.confidentiality, to: label } });
    return { from: rec.confidentiality, to: label };
  }

  private origin(by: Keeper) {
    return { actor: by.actor, address: by.address ?? null, userAgent: by.userAgent ?? null };
  }

  private async enforce(by: Keeper, decision: Decision, action: AuditAction, subject: string): Promise<void> {
    if (decision.allow) return;
    await this.audit.record({ ...this.origin(by), action, subject, outcome: 'refused', detail: { reason: decision.reason } });
    throw markAudited(new NotAllowed(decision.reason));
  }
}
