/**
 * Keeping a case: create it, add its people, stages, actions, links and reasons, approve an
 * emergency start, end it, annotate it. Who may was decided by the caller (case-policy.ts over
 * HTTP; the command line is the operator's); every act and every refusal here is audited with the
 * case as subject. Once a case is archived its facts are frozen: only annotations are added.
 */
import type { AuditAction } from '../audit/audit-actions.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { SigningKey } from '../crypto/signing-key.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { CaseRepository } from '../db/case-repository.ts';
import type { Repositories } from '../db/repositories.ts';
import type { ActionLink, Case, CaseAction, Role } from '../db/schema.ts';
import { violates } from '../db/unique-violation.ts';
import { DeviceNotFound, LiuhenError, markAudited, NotAllowed, NotFound, RecordingNotFound, StateConflict, wasAudited } from '../errors.ts';
import type { Requester } from '../exports/export-requests.ts';
import { newId } from '../ids.ts';
import { objectKeys } from '../ledger/object-keys.ts';
import { CaseRetention } from '../retention/case-retention.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { CaseCheck } from './case-check.ts';
import { CaseManifests, putOrKeep } from './case-manifest.ts';
import { actionSchema, annotationSchema, atSchema, caseIdSchema, caseNoSchema, createCaseSchema, linkSchema, memberSchema, reasonSchema, stageEventSchema } from './case-input.ts';
import type { Clock } from '../clock.ts';

export interface CaseServiceDeps {
  repos: Repositories;
  audit: AuditLog;
  store: EvidenceStore;
  /** signs the case manifest at archiving */
  signingKey: SigningKey;
  retentionDays: number;
  clock: Clock;
}

const CASE_NO_INDEX = { name: 'cases_case_no_key', table: 'cases', columns: ['case_no'] };

/** Clocks differ a little between a phone and the server; more than this ahead is a time not yet come. */
export const MAX_FUTURE_MS = 5 * 60_000;
/** How far a device-and-window link may lie from its action's own time, either side. */
export const LINK_SLACK_MS = 3600_000;

/** Accounts that are never an officer on a case: those outside the unit's enforcement work. */
const NOT_OFFICERS: readonly Role[] = ['party', 'admin', 'auditor'];

/** Input that cannot be right whatever the case's state (400): a time to come, a window far from its action, a reviewer who is none. */
export class CaseInputRefused extends LiuhenError {}

export class CaseService {
  private readonly cases: CaseRepository;
  private readonly repos: Repositories;
  // The store follows the cases: a link or an archiving lengthens the locks of what the case keeps.
  private readonly retention: CaseRetention;
  // Archiving checks the case and writes its manifest over this service's own repository and store.
  private readonly check: CaseCheck;
  private readonly manifests: CaseManifests;

  constructor(private readonly d: CaseServiceDeps) {
    this.cases = d.repos.cases;
    this.repos = d.repos;
    this.retention = new CaseRetention({ ...d, periods: { caseMs: d.retentionDays * 86_400_000 } });
    this.check = new CaseCheck(d.repos.cases, d.clock);
    this.manifests = new CaseManifests(d.repos.cases, d.store);
  }

  async load(caseId: string): Promise<Case> {
    const c = await this.cases.find(caseIdSchema.parse(caseId));
    if (!c) throw new NotFound('case', caseId);
    return c;
  }

  async loadByNo(caseNo: string): Promise<Case> {
    const c = await this.cases.findByNo(caseNoSchema.parse(caseNo));
    if (!c) throw new NotFound('case', caseNo);
    return c;
  }

  async isMember(caseId: string, badge: string): Promise<boolean> {
    return (await this.cases.memberRole(caseId, badge)) !== undefined;
  }

  async loadAction(c: Case, actionId: string): Promise<CaseAction> {
    const a = await this.cases.action(c.id, actionId);
    if (!a) throw new NotFound('action', actionId);
    return a;
  }

  /** The initiation stage starts with the case. */
  async create(input: unknown, by: Requester): Promise<Case> {
    const v = createCaseSchema.parse(input);
    const now = this.d.clock.now().toISOString();
    if (v.initiatedAt !== undefined) this.notFuture(v.initiatedAt);
    if (v.approvedAt !== undefined) this.notFuture(v.approvedAt);
    if (v.approvedAt !== undefined && v.approvedAt < (v.initiatedAt ?? now)) throw new CaseInputRefused('approval_before_start', `approved ${v.approvedAt}, before the case began`);
    const row: Case = {
      id: newId('case'),
      case_no: v.caseNo,
      unit: v.unit,
      title: v.title,
      emergency: v.emergency ? 1 : 0,
      initiated_at: v.initiatedAt ?? now,
      approved_at: v.approvedAt ?? null,
      ended_at: null,
      archived_at: null,
      archived_by: null,
      manifest_key: null,
      created_by: by.actor,
      created_at: now,
    };
    try {
      await this.cases.transaction(async (tx) => {
        await tx.insert(row);
        await tx.addStage({ case_id: row.id, stage: 'initiation', started_at: row.initiated_at, ended_at: null });
      });
    } catch (e) {
      if (violates(e, CASE_NO_INDEX)) await this.refuse(by, 'case.create', null, new StateConflict('case_no_taken', `case number ${v.caseNo} is taken`), { caseNo: v.caseNo });
      throw e;
    }
    await this.audited(by, 'case.create', row.id, { caseNo: row.case_no, unit: row.unit, emergency: v.emergency, initiatedAt: row.initiated_at });
    return row;
  }

  async addMember(c: Case, input: unknown, by: Requester): Promise<void> {
    const v = memberSchema.parse(input);
    await this.edit(c, by, 'case.member.add', async (tx) => {
      const existing = await tx.memberRole(c.id, v.badge);
      if (existing) throw new StateConflict('member_exists', `${v.badge} is already on case ${c.case_no} as ${existing}`);
      if (v.role === 'reviewer') await this.mustBeReviewer(tx, v.badge);
      else await this.mustBeUnitOfficer(tx, v.badge, c.unit);
      await tx.addMember({ case_id: c.id, badge: v.badge, role: v.role, added_by: by.actor, added_at: this.d.clock.now().toISOString() });
    });
    await this.audited(by, 'case.member.add', c.id, v);
  }

  async stageEvent(c: Case, input: unknown, by: Requester): Promise<void> {
    const v = stageEventSchema.parse(input);
    const at = v.at ?? this.d.clock.now().toISOString();
    const action = `case.stage.${v.event}` as const;
    await this.edit(c, by, action, async (tx) => {
      this.notFuture(at);
      const stage = await tx.stage(c.id, v.stage);
      if (v.event === 'start') {
        if (stage) throw new StateConflict('stage_started', `stage ${v.stage} of case ${c.case_no} started at ${stage.started_at}`);
        await tx.addStage({ case_id: c.id, stage: v.stage, started_at: at, ended_at: null });
        return;
      }
      if (!stage || stage.ended_at !== null) throw new StateConflict(stage ? 'stage_ended' : 'stage_not_started', `stage ${v.stage} of case ${c.case_no} is not running`);
      if (at < stage.started_at) throw new StateConflict('stage_ends_before_start', `stage ${v.stage} cannot end before it started (${stage.started_at})`);
      await tx.endStage(c.id, v.stage, at);
    });
    await this.audited(by, action, c.id, { stage: v.stage, at });
  }

  async addAction(c: Case, input: unknown, by: Requester): Promise<CaseAction> {
    const v = actionSchema.parse(input);
    const row: CaseAction = {
      id: newId('act'),
      case_id: c.id,
      kind: v.kind,
      stage: v.stage,
      at: v.at,
      ended_at: v.endedAt ?? null,
      place: v.place ?? null,
      officer_badge: v.officerBadge ?? null,
      not_recorded_reason: null,
      not_recorded_text: null,
      created_by: by.actor,
      created_at: this.d.clock.now().toISOString(),
    };
    await this.edit(c, by, 'case.action.add', async (tx) => {
      this.notFuture(row.at);
      if (row.ended_at !== null) this.notFuture(row.ended_at);
      await tx.addAction(row);
    });
    await this.audited(by, 'case.action.add', c.id, { actionId: row.id, kind: row.kind, stage: row.stage, at: row.at, officerBadge: row.officer_badge });
    return row;
  }

  /**
   * A whole recording, or a device's recordings in a window. Only the case's own unit's: a link
   * gives the case's reviewers replay access, so it must not reach into another unit's evidence.
   * For the same reason a window stays near its action (within LINK_SLACK_MS of the action's
   * time); its length is bounded by linkSchema.
   */
  async link(c: Case, actionId: string, input: unknown, by: Requester): Promise<ActionLink> {
    const action = await this.loadAction(c, actionId);
    const v = linkSchema.parse(input);
    const unit = 'recordingId' in v ? (await this.repos.recordings.find(v.recordingId))?.unit : await this.cases.unitOfDevice(v.deviceId);
    if (unit === undefined) throw 'recordingId' in v ? new RecordingNotFound(v.recordingId) : new DeviceNotFound(v.deviceId);
    if (unit !== c.unit) await this.refuse(by, 'case.link', c.id, new NotAllowed('recording of another unit'), { actionId, ...v });
    const row: ActionLink = {
      id: newId('lnk'),
      action_id: action.id,
      recording_id: 'recordingId' in v ? v.recordingId : null,
      device_id: 'deviceId' in v ? v.deviceId : null,
      from_at: 'from' in v ? v.from : null,
      to_at: 'to' in v ? v.to : null,
      linked_by: by.actor,
      linked_at: this.d.clock.now().toISOString(),
    };
    await this.edit(c, by, 'case.link', async (tx) => {
      if (row.from_at !== null && row.to_at !== null) nearAction(action, row.from_at, row.to_at);
      await tx.addLink(row);
    });
    await this.audited(by, 'case.link', c.id, { actionId, linkId: row.id, ...v });
    // Case evidence from now on: its objects' locks move to the archive period (issue 17).
    await this.retention.linked(c.id, by);
    return row;
  }

  /** Sets or clears (`reason: null`) why the action was not recorded. */
  async setReason(c: Case, actionId: string, input: unknown, by: Requester): Promise<void> {
    const action = await this.loadAction(c, actionId);
    const v = reasonSchema.parse(input);
    await this.edit(c, by, 'case.reason', (tx) => tx.setNotRecordedReason(action.id, v.reason, v.text ?? null));
    await this.audited(by, 'case.reason', c.id, { actionId, reason: v.reason, text: v.text ?? null });
  }

  async approveEmergency(c: Case, input: unknown, by: Requester): Promise<void> {
    const at = this.atOf(input);
    await this.edit(c, by, 'case.approve', async (tx) => {
      if (c.emergency !== 1) throw new StateConflict('not_emergency', `case ${c.case_no} was not started in an emergency`);
      this.notFuture(at);
      // An approval dated before the start would hide a late one (the 24 h run from initiated_at).
      if (at < c.initiated_at) throw new StateConflict('approval_before_start', `case ${c.case_no} cannot be approved before it was initiated (${c.initiated_at})`);
      if (!(await tx.markApproved(c.id, at))) throw new StateConflict('already_approved', `case ${c.case_no} was approved already`);
    });
    await this.audited(by, 'case.approve', c.id, { at, afterMs: Date.parse(at) - Date.parse(c.initiated_at) });
  }

  /** The act's end: the 30 days to archive run from here. */
  async end(c: Case, input: unknown, by: Requester): Promise<void> {
    const at = this.atOf(input);
    await this.edit(c, by, 'case.end', async (tx) => {
      this.notFuture(at);
      if (at < c.initiated_at) throw new StateConflict('case_ends_before_start', `case ${c.case_no} cannot end before it was initiated`);
      if (!(await tx.markEnded(c.id, at))) throw new StateConflict('case_ended', `case ${c.case_no} has ended already`);
    });
    await this.audited(by, 'case.end', c.id, { at });
  }

  /** Open to archived cases too: a note never changes what was filed. */
  async annotate(c: Case, input: unknown, by: Requester): Promise<{ id: string; at: string }> {
    const { text } = annotationSchema.parse(input);
    const row = { id: newId('ann'), case_id: c.id, text, by: by.actor, at: this.d.clock.now().toISOString() };
    await this.cases.annotate(row);
    await this.audited(by, 'case.annotate', c.id, { annotationId: row.id, text, archived: c.archived_at !== null });
    return { id: row.id, at: row.at };
  }

  /**
   * Files the case (001 §34: the custodian's act): freezes it, then writes the signed manifest to
   * the evidence store. Freezing comes first so no edit can land between the manifest's reading
   * and its sealing; an archiving cut short (a crash, a recording that closed too late) is
   * finished by running it again.
   */
  async archive(c: Case, by: Requester): Promise<{ manifestKey: string; sha256: string }> {
    const refused = (code: string, message: string) => this.refuse(by, 'case.archive', c.id, new StateConflict(code, message));
    if (c.manifest_key !== null) await refused('case_archived', `case ${c.case_no} was archived at ${c.archived_at}`);
    if (c.ended_at === null) await refused('case_not_ended', `case ${c.case_no} has not ended; archiving follows the act's end`);
    const linked = [...new Set((await this.cases.linkedRecordings(c.id)).map((l) => l.recordingId))];
    const open = await this.cases.notClosed(linked);
    if (open.length > 0) await refused('recording_not_closed', `recording ${open.join(', ')} is not closed yet; archive the case when it is`);

    const now = this.d.clock.now();
    const frozen = await this.freeze(c, now, by);
    const findings = await this.check.findings(c.id, now);
    const manifest = await this.manifests.build(frozen, {
      archivedAt: frozen.archived_at!,
      archivedBy: frozen.archived_by!,
      findings,
      signingKey: this.d.signingKey.fingerprint,
    });
    const retainUntil = new Date(now.getTime() + this.d.retentionDays * 86_400_000);
    const key = objectKeys.caseManifest(c.id);
    const pem = Buffer.from(this.d.signingKey.publicKeyPem);
    await putOrKeep(this.d.store, objectKeys.publicKey(this.d.signingKey.fingerprint), pem, retainUntil, 'application/x-pem-file');
    const stored = await putOrKeep(this.d.store, key, manifest, retainUntil, 'application/json');
    await putOrKeep(this.d.store, objectKeys.caseManifestSignature(c.id), this.d.signingKey.sign(stored), retainUntil, 'application/octet-stream');
    await this.cases.setManifestKey(c.id, key);
    const sha256 = sha256Hex(stored);
    await this.audited(by, 'case.archive', c.id, { manifestKey: key, sha256, findings: findings.length, recordings: linked.length });
    await this.retention.archived(c.id, frozen.archived_at!, by);
    return { manifestKey: key, sha256 };
  }

  /**
   * Sets archived_at (once), records what the links resolve to now as the case's links from then
   * on (CaseRepository.linkedRecordings), and closes the archive stage; returns the case as frozen. One transaction:
   * no reader sees the case archived with its links not yet frozen.
   */
  private async freeze(c: Case, now: Date, by: Requester): Promise<Case> {
    const at = now.toISOString();
    await this.cases.transaction(async (tx) => {
      if (!(await tx.markArchived(c.id, at, by.actor))) return;
      await tx.freezeLinks(c.id, await tx.liveLinks(c.id));
      const stage = await tx.stage(c.id, 'archive');
      if (!stage) await tx.addStage({ case_id: c.id, stage: 'archive', started_at: at, ended_at: at });
      else if (stage.ended_at === null) await tx.endStage(c.id, 'archive', at);
    });
    return this.load(c.id);
  }

  private atOf(input: unknown): string {
    return atSchema.parse(input ?? {}).at ?? this.d.clock.now().toISOString();
  }

  /** A case's facts are what happened: a time still to come is a mistake or a backdating in reverse. */
  private notFuture(at: string): void {
    if (Date.parse(at) > this.d.clock.now().getTime() + MAX_FUTURE_MS) throw new CaseInputRefused('time_in_future', `${at} is in the future`);
  }

  /** A reviewer member replays the case's recordings: only a person signed up as a reviewer, still active, may be one. */
  private async mustBeReviewer(tx: CaseRepository, badge: string): Promise<void> {
    const user = await tx.accountOf(badge);
    if (!user || user.role !== 'reviewer' || user.state !== 'active') {
      throw new CaseInputRefused('not_a_reviewer', `badge ${badge} is not an active reviewer${user ? ` (${user.state} ${user.role})` : ''}`);
    }
  }

  /**
   * An officer member is one of the case's unit's own people: an active account of the unit that
   * is neither a party nor an administrator or auditor, or — for an officer without an account —
   * the badge one of the unit's cameras is assigned to. Not a stranger, another unit's officer or a
   * badge nobody holds: membership lets its holder read the case.
   */
  private async mustBeUnitOfficer(tx: CaseRepository, badge: string, unit: string): Promise<void> {
    const user = await tx.accountOf(badge);
    const officer = user ? user.state === 'active' && user.unit === unit && !NOT_OFFICERS.includes(user.role) : await tx.unitHasCameraOf(badge, unit);
    if (!officer) throw new CaseInputRefused('not_an_officer', `badge ${badge} is not an officer of unit ${unit}${user ? ` (${user.state} ${user.role} of ${user.unit})` : ''}`);
  }

  /**
   * Runs an edit in a transaction that first claims the case row while it is not archived: edits
   * of one case, and an archiving that starts meanwhile, wait for each other, so checks made
   * inside `write` hold, the manifest never misses an edit and no edit slips in after it.
   * Refusals (a state, or input refused inside `write`) are audited.
   */
  private async edit(c: Case, by: Requester, action: AuditAction, write: (tx: CaseRepository) => Promise<unknown>): Promise<void> {
    try {
      await this.cases.transaction(async (tx) => {
        if (!(await tx.claimUnarchived(c.id))) throw new StateConflict('case_archived', `case ${c.case_no} is archived; only annotations may be added`);
        await write(tx);
      });
    } catch (e) {
      if (e instanceof LiuhenError && !wasAudited(e)) await this.refuse(by, action, c.id, e);
      throw e;
    }
  }

  private async refuse(by: Requester, action: AuditAction, subject: string | null, err: LiuhenError, detail: Record<string, unknown> = {}): Promise<never> {
    const reason = err instanceof NotAllowed ? err.reason : err.code;
    await this.d.audit.record({ actor: by.actor, action, subject, outcome: 'refused', address: by.address, userAgent: by.userAgent, detail: { ...detail, reason } });
    throw markAudited(err);
  }

  private async audited(by: Requester, action: AuditAction, subject: string, detail: Record<string, unknown>): Promise<void> {
    await this.d.audit.record({ actor: by.actor, action, subject, outcome: 'ok', address: by.address, userAgent: by.userAgent, detail });
  }
}

/** A device window must overlap its action's time, give or take LINK_SLACK_MS (the action's `at`, to its end if it has one). */
function nearAction(action: CaseAction, from: string, to: string): void {
  const start = Date.parse(action.at) - LINK_SLACK_MS;
  const end = Date.parse(action.ended_at ?? action.at) + LINK_SLACK_MS;
  if (Date.parse(to) <= start || Date.parse(from) >= end) {
    throw new CaseInputRefused('link_window_off_action', `the window ${from} – ${to} is not within an hour of the action (${action.at}${action.ended_at ? ` – ${action.ended_at}` : ''})`);
  }
}
