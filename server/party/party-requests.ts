/**
 * 查阅、复制申请 (000 §21, 001 §36, 004 §18): a party, or staff on their behalf, asks to view or copy
 * named recordings of one unit; the unit's agency head decides once, approving a scope (which
 * recordings, each labelled one only as a ready redaction, a time window, a number of viewings,
 * whether copies are allowed) or refusing with a note. Who may ask and decide is the caller's
 * check (party-policy.ts); this module checks the facts, writes the rows and audits each act.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Repositories } from '../db/repositories.ts';
import type { PartyRepository, ScopeDecision } from '../db/party-repository.ts';
import type { PartyRequest, Recording } from '../db/schema.ts';
import { InvalidInput, type LiuhenError, markAudited, NotFound, RecordingNotFound, StateConflict } from '../errors.ts';
import type { Requester } from '../exports/export-requests.ts';
import { anyIdSchema, idSchema, newId } from '../ids.ts';
import { scopeProblem } from '../policy/party-policy.ts';
import { type Clock, systemClock } from '../clock.ts';

const DAY_MS = 24 * 60 * 60_000;
/** The longest window an approval may grant, counted from the decision. */
export const MAX_WINDOW_DAYS = 30;

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]+$/u, 'no control characters');
const instant = z
  .string()
  .datetime({ offset: true })
  .transform((s) => new Date(s).toISOString());

export const partyRequestIdSchema = idSchema('pr');

export const newPartyRequestSchema = z
  .object({
    kind: z.enum(['view', 'copy']),
    recordingIds: z.array(anyIdSchema).min(1).max(20),
    reason: text(2000),
    caseId: anyIdSchema.optional(),
    /** staff only: the party they ask for */
    partyBadge: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .optional(),
  })
  .strict();
export type NewPartyRequest = z.infer<typeof newPartyRequestSchema>;

export const decisionSchema = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('refuse'), note: text(2000) }).strict(),
  z
    .object({
      decision: z.literal('approve'),
      note: text(2000).optional(),
      windowFrom: instant,
      windowUntil: instant,
      maxViewings: z.number().int().min(1).max(20),
      copyAllowed: z.boolean().default(false),
      recordings: z
        .array(z.object({ recordingId: anyIdSchema, approved: z.boolean(), redactionId: anyIdSchema.optional() }).strict())
        .min(1)
        .max(20),
    })
    .strict(),
]);
export type PartyDecision = z.infer<typeof decisionSchema>;

/** An approval naming a recording it may not put in scope as given (409, audited). */
export class ScopeRefused extends StateConflict {
  constructor(
    code: string,
    readonly recordingId: string,
  ) {
    super(code, `recording ${recordingId}: ${code}`);
  }
}

export class PartyRequests {
  private readonly parties: PartyRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly clock: Clock = systemClock,
  ) {
    this.parties = repos.party;
  }

  async load(id: string): Promise<PartyRequest> {
    const row = await this.parties.findRequest(id);
    if (!row) throw new NotFound('party_request', id);
    return row;
  }

  /**
   * The recordings asked for, in the order given, all of `unit` (the asker's). A recording of
   * another unit is answered exactly as one that does not exist — 404 recording_not_found,
   * audited — so a request cannot be used to learn which ids exist elsewhere.
   */
  async recordingsOf(ids: readonly string[], unit: string, by: Requester): Promise<Recording[]> {
    const unique = [...new Set(ids)];
    const rows = await this.parties.recordingsOfUnit(unique, unit);
    const missing = unique.find((id) => !rows.some((r) => r.id === id));
    if (missing) throw await this.refuseRequest(by, missing, new RecordingNotFound(missing));
    return unique.map((id) => rows.find((r) => r.id === id)!);
  }

  /** Audits a refused request (its subject: what was asked for and not found) and returns the error, marked. */
  private async refuseRequest(by: Requester, subject: string, error: LiuhenError): Promise<LiuhenError> {
    await this.audit.record({ actor: by.actor, action: 'party.request', subject, outcome: 'refused', address: by.address, userAgent: by.userAgent, detail: { reason: error.code } });
    return markAudited(error);
  }

  /** `partyUserId`: the party themselves, or the one staff named (looked up by the caller). */
  async create(input: NewPartyRequest, recordings: Recording[], partyUserId: string, by: Requester): Promise<PartyRequest> {
    const unit = recordings[0]!.unit;
    if (input.caseId) {
      // A case of another unit is answered as one that does not exist, as recordings are.
      if (!(await this.parties.hasCase(input.caseId, unit))) throw await this.refuseRequest(by, input.caseId, new NotFound('case', input.caseId));
    }
    const row: PartyRequest = {
      id: newId('pr', this.clock.now()),
      case_id: input.caseId ?? null,
      unit,
      party_user_id: partyUserId,
      requested_by: by.actor,
      kind: input.kind,
      reason: input.reason,
      state: 'pending',
      decided_by: null,
      decided_at: null,
      decision_note: null,
      window_from: null,
      window_until: null,
      max_viewings: null,
      copy_allowed: null,
      created_at: this.clock.now().toISOString(),
    };
    await this.parties.transaction(async (tx) => {
      await tx.addRequest(row);
      await tx.addAsked(
        row.id,
        recordings.map((r) => r.id),
      );
    });
    await this.audit.record({
      actor: by.actor,
      action: 'party.request',
      subject: row.id,
      outcome: 'ok',
      address: by.address,
      userAgent: by.userAgent,
      detail: { kind: row.kind, unit, partyUserId, recordingIds: recordings.map((r) => r.id), caseId: row.case_id },
    });
    return row;
  }

  /** Decided once; a refused scope (a labelled recording without a ready redaction) is audited. */
  async decide(request: PartyRequest, decision: PartyDecision, by: Requester): Promise<PartyRequest> {
    const audited = { actor: by.actor, action: 'party.decision' as const, subject: request.id, address: by.address, userAgent: by.userAgent };
    const refuse = async (error: LiuhenError, detail: Record<string, unknown> = {}) => {
      await this.audit.record({ ...audited, outcome: 'refused', detail: { decision: decision.decision, reason: error.code, ...detail } });
      return markAudited(error);
    };
    if (request.state !== 'pending') throw await refuse(new StateConflict('request_decided', `request ${request.id} was ${request.state} already`));

    const now = this.clock.now();
    let scope: ScopeDecision[] = [];
    if (decision.decision === 'approve') {
      try {
        scope = await this.checkScope(request, decision, now);
      } catch (e) {
        if (e instanceof ScopeRefused) throw await refuse(e, { recordingId: e.recordingId });
        if (e instanceof InvalidInput) throw await refuse(e);
        throw e;
      }
    }
    const decided: Partial<PartyRequest> =
      decision.decision === 'refuse'
        ? { state: 'refused', decision_note: decision.note }
        : {
            state: 'approved',
            decision_note: decision.note ?? null,
            window_from: decision.windowFrom,
            window_until: decision.windowUntil,
            max_viewings: decision.maxViewings,
            copy_allowed: decision.copyAllowed ? 1 : 0,
          };
    const won = await this.parties.transaction(async (tx) => {
      if (!(await tx.decidePending(request.id, { ...decided, decided_by: by.actor, decided_at: now.toISOString() }))) return false;
      // The label the head saw: one set or changed from now on voids the approval (party-policy.ts).
      for (const s of scope) await tx.decideRecording(request.id, s);
      return true;
    });
    // Two heads deciding at once: the second finds it decided.
    if (!won) throw await refuse(new StateConflict('request_decided', `request ${request.id} was decided meanwhile`));
    await this.audit.record({
      ...audited,
      outcome: 'ok',
      detail:
        decision.decision === 'refuse'
          ? { decision: 'refuse', note: decision.note }
          : { decision: 'approve', windowFrom: decision.windowFrom, windowUntil: decision.windowUntil, maxViewings: decision.maxViewings, copyAllowed: decision.copyAllowed, recordings: scope },
    });
    return this.load(request.id);
  }

  /** The approval's scope as given, checked against the request and the redactions it names. */
  private async checkScope(request: PartyRequest, d: Extract<PartyDecision, { decision: 'approve' }>, now: Date) {
    if (Date.parse(d.windowUntil) <= Math.max(now.getTime(), Date.parse(d.windowFrom))) throw new InvalidInput('the window must end after it starts and after now');
    if (Date.parse(d.windowUntil) > now.getTime() + MAX_WINDOW_DAYS * DAY_MS) throw new InvalidInput(`the window ends at most ${MAX_WINDOW_DAYS} days from now`);
    if (d.copyAllowed && request.kind !== 'copy') throw new InvalidInput('copies are allowed only on a copy request');
    const asked = await this.parties.labelsAsked(request.id);
    const named = new Set(d.recordings.map((r) => r.recordingId));
    if (named.size !== d.recordings.length || named.size !== asked.length || asked.some((a) => !named.has(a.id))) {
      throw new InvalidInput('the decision names each recording of the request once');
    }
    if (!d.recordings.some((r) => r.approved)) throw new InvalidInput('an approval puts at least one recording in scope; otherwise refuse');
    const redactionIds = d.recordings.flatMap((r) => (r.approved && r.redactionId ? [r.redactionId] : []));
    const redactions = redactionIds.length === 0 ? [] : await this.parties.redactions(redactionIds);
    for (const r of d.recordings.filter((x) => x.approved)) {
      const found = r.redactionId ? redactions.find((x) => x.id === r.redactionId) : undefined;
      const problem = scopeProblem({
        recordingId: r.recordingId,
        confidentiality: asked.find((a) => a.id === r.recordingId)!.confidentiality,
        redaction: r.redactionId ? (found ? { recordingId: found.recording_id, state: found.state } : { recordingId: '', state: 'failed' }) : null,
      });
      if (problem) throw new ScopeRefused(problem, r.recordingId);
    }
    // Each with the label it was judged under, read above: a label set meanwhile differs from it, and voids the approval.
    return d.recordings.map((r) => ({
      recordingId: r.recordingId,
      approved: r.approved,
      redactionId: r.approved ? (r.redactionId ?? null) : null,
      confidentiality: asked.find((a) => a.id === r.recordingId)!.confidentiality,
    }));
  }
}
