/**
 * Cases as the API and the command line show them: the list with deadlines and finding counts,
 * and one case with everything on it.
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { CaseReach, CaseRepository } from '../db/case-repository.ts';
import { type Case, type Stage, STAGES } from '../db/schema.ts';
import { mayReadCase } from '../policy/case-policy.ts';
import { archiveDeadline, archiveOverdue, emergencyApprovalDeadline } from './case-deadlines.ts';
import type { Clock } from '../clock.ts';
import { type CaseCheck, findingsOf } from './case-check.ts';
import { cite, RECORDING_RULES } from './recording-rules.ts';
import { caseFacts } from './case-facts.ts';

/** The stage a case is in: the furthest one started. */
function currentStage(started: Stage[]): Stage | null {
  return [...STAGES].reverse().find((s) => started.includes(s)) ?? null;
}

export function presentCase(c: Case, stagesStarted: Stage[], now: Date) {
  return {
    ...caseFacts(c),
    approvalDeadline: c.emergency === 1 ? emergencyApprovalDeadline(c.initiated_at) : null,
    archiveDeadline: archiveDeadline(c.ended_at),
    archiveOverdue: archiveOverdue(c, now),
    archivedAt: c.archived_at,
    archivedBy: c.archived_by,
    manifestKey: c.manifest_key,
    stage: currentStage(stagesStarted),
  };
}

/** Cases as the API and the command line show them, read through the case check. */
export class CaseView {
  constructor(
    private readonly cases: CaseRepository,
    private readonly check: CaseCheck,
    private readonly clock: Clock,
  ) {}

  /**
   * Every case the viewer may read (at most `limit`, newest first), each with its current stage,
   * archive deadline and number of findings. `viewer` null: the command line's operator sees all.
   */
  async list(viewer: Viewer | null, limit = 500) {
    const now = this.clock.now();
    const memberOf = viewer ? await this.cases.casesOfMember(viewer.badge) : [];
    let reach: CaseReach | undefined;
    if (viewer && viewer.role !== 'auditor') {
      const byUnit = viewer.role !== 'reviewer';
      if (!byUnit && memberOf.length === 0) return [];
      reach = { unit: byUnit ? viewer.unit : null, caseIds: memberOf };
    }
    const members = new Set(memberOf);
    const cases = (await this.cases.newest(limit, reach)).filter((c) => !viewer || mayReadCase(viewer, { unit: c.unit, viewerIsMember: members.has(c.id) }).allow);
    const stages = cases.length === 0 ? [] : await this.cases.stagesStarted(cases.map((c) => c.id));
    const listed = [];
    for (const c of cases) {
      const findings = findingsOf(await this.check.facts(c.id), now);
      listed.push({
        ...presentCase(
          c,
          stages.filter((s) => s.case_id === c.id).map((s) => s.stage),
          now,
        ),
        findings: findings.length,
      });
    }
    return listed;
  }

  /** One case with its stages, members, actions (each with its rule, links and linked recordings), gaps, findings, advice and annotations. */
  async detail(c: Case) {
    const now = this.clock.now();
    const facts = await this.check.facts(c.id);
    const findings = findingsOf(facts, now);
    const stages = await this.cases.stages(c.id);
    const members = await this.cases.members(c.id);
    const actions = await this.cases.actions(c.id);
    const links = await this.cases.linksOf(actions.map((a) => a.id));
    const annotations = await this.cases.annotations(c.id);
    const recordingIds = facts.recordings.map((r) => r.id);
    const recordings = await this.cases.recordings(recordingIds);
    const notes = await this.cases.gapNotes(recordingIds);
    const noteOf = (recordingId: string, idx: number) => notes.find((n) => n.recording_id === recordingId && n.idx === idx);

    const presentedActions = actions.map((a) => {
      const rule = RECORDING_RULES[a.kind];
      return {
        id: a.id,
        kind: a.kind,
        stage: a.stage,
        at: a.at,
        endedAt: a.ended_at,
        place: a.place,
        officerBadge: a.officer_badge,
        requirement: rule.requirement,
        clauses: rule.clauses,
        notRecordedReason: a.not_recorded_reason,
        notRecordedText: a.not_recorded_text,
        links: links
          .filter((l) => l.action_id === a.id)
          .map((l) => ({ id: l.id, recordingId: l.recording_id, deviceId: l.device_id, from: l.from_at, to: l.to_at, linkedBy: l.linked_by, linkedAt: l.linked_at })),
        recordingIds: [...new Set(facts.links.filter((l) => l.actionId === a.id).map((l) => l.recordingId))],
      };
    });
    return {
      case: presentCase(
        c,
        stages.map((s) => s.stage),
        now,
      ),
      stages: STAGES.map((stage) => stages.find((s) => s.stage === stage)).flatMap((s) => (s ? [{ stage: s.stage, startedAt: s.started_at, endedAt: s.ended_at }] : [])),
      members: members.map((m) => ({ badge: m.badge, role: m.role, addedBy: m.added_by, addedAt: m.added_at })),
      actions: presentedActions,
      recordings: recordings.map((r) => ({
        id: r.id,
        deviceId: r.device_id,
        officerBadge: r.officer_badge,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        state: r.state,
        late: r.late === 1,
        gaps: facts.gaps
          .filter((g) => g.recording_id === r.id)
          .map((g) => {
            const note = noteOf(r.id, g.idx);
            return { idx: g.idx, startAt: g.start_at, note: note ? { reason: note.reason, by: note.noted_by, at: note.noted_at } : null };
          }),
      })),
      findings,
      /** recommended actions with neither a recording nor a reason: advice, not findings */
      advice: presentedActions
        .filter((a) => a.requirement === 'recommended' && a.recordingIds.length === 0 && a.notRecordedReason === null)
        .map((a) => ({ actionId: a.id, kind: a.kind, clauses: RECORDING_RULES[a.kind].clauses.map(cite) })),
      annotations: annotations.map((n) => ({ id: n.id, text: n.text, by: n.by, at: n.at })),
    };
  }
}
