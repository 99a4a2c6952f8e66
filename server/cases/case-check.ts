/**
 * The case check: what a case lacks by the seeds' rules, as findings. `findingsOf` is pure (unit
 * tested on facts); `CaseCheck` reads the facts of one case. Recommended actions left unrecorded
 * are advice on the case page, not findings.
 */
import type { Clock } from '../clock.ts';
import type { CaseRepository, LinkedRecording } from '../db/case-repository.ts';
import type { Case, CaseAction, LedgerEntry, Recording } from '../db/schema.ts';
import { NotFound } from '../errors.ts';
import { archiveDeadline, archiveOverdue, EMERGENCY_APPROVAL_MS, emergencyApprovalDeadline, RECORDING_START_TOLERANCE_MS } from './case-deadlines.ts';
import type { Finding } from './findings.ts';
import { cite, FINDING_CLAUSES, RECORDING_RULES } from './recording-rules.ts';

export interface CheckFacts {
  case: Pick<Case, 'id' | 'emergency' | 'initiated_at' | 'approved_at' | 'ended_at' | 'archived_at'>;
  actions: Pick<CaseAction, 'id' | 'kind' | 'at' | 'officer_badge' | 'not_recorded_reason'>[];
  links: LinkedRecording[];
  /** every linked recording, once */
  recordings: Pick<Recording, 'id' | 'started_at' | 'ended_at' | 'officer_badge' | 'late' | 'upload_deadline'>[];
  /** the gap entries of the linked recordings */
  gaps: Pick<LedgerEntry, 'recording_id' | 'idx' | 'start_at'>[];
  /** gaps a person has given a reason for */
  gapNotes: { recording_id: string; idx: number }[];
}

const clausesOf = (kind: keyof typeof FINDING_CLAUSES): string[] => FINDING_CLAUSES[kind].map(cite);

export function findingsOf(f: CheckFacts, now: Date): Finding[] {
  const caseId = f.case.id;
  const findings: Finding[] = [];

  if (f.case.emergency === 1) {
    const waited = (f.case.approved_at ? Date.parse(f.case.approved_at) : now.getTime()) - Date.parse(f.case.initiated_at);
    if (waited > EMERGENCY_APPROVAL_MS) {
      findings.push({ kind: 'emergency_approval_late', caseId, officerBadge: null, at: emergencyApprovalDeadline(f.case.initiated_at), clauses: clausesOf('emergency_approval_late') });
    }
  }

  const started = new Map(f.recordings.map((r) => [r.id, Date.parse(r.started_at)]));
  for (const action of f.actions) {
    const recordingIds = f.links.filter((l) => l.actionId === action.id).map((l) => l.recordingId);
    const base = { caseId, actionId: action.id, officerBadge: action.officer_badge, at: action.at };
    const rule = RECORDING_RULES[action.kind];
    if (recordingIds.length === 0) {
      if (rule.requirement === 'mandatory' && action.not_recorded_reason === null) findings.push({ kind: 'action_unrecorded', ...base, clauses: rule.clauses.map(cite) });
      continue;
    }
    const latest = Date.parse(action.at) + RECORDING_START_TOLERANCE_MS;
    if (recordingIds.every((id) => (started.get(id) ?? 0) > latest)) findings.push({ kind: 'recorded_after_action', ...base, clauses: clausesOf('recorded_after_action') });
  }

  const noted = new Set(f.gapNotes.map((n) => `${n.recording_id}/${n.idx}`));
  const officerOf = new Map(f.recordings.map((r) => [r.id, r.officer_badge]));
  for (const r of f.recordings) {
    if (r.late === 1) {
      findings.push({ kind: 'late_upload', caseId, recordingId: r.id, officerBadge: r.officer_badge, at: r.upload_deadline ?? r.ended_at ?? r.started_at, clauses: clausesOf('late_upload') });
    }
  }
  for (const gap of f.gaps) {
    if (noted.has(`${gap.recording_id}/${gap.idx}`)) continue;
    findings.push({
      kind: 'gap_without_reason',
      caseId,
      recordingId: gap.recording_id,
      gapIdx: gap.idx,
      officerBadge: officerOf.get(gap.recording_id) ?? null,
      at: gap.start_at,
      clauses: clausesOf('gap_without_reason'),
    });
  }

  if (archiveOverdue(f.case, now)) {
    findings.push({ kind: 'archive_overdue', caseId, officerBadge: null, at: archiveDeadline(f.case.ended_at)!, clauses: clausesOf('archive_overdue') });
  }
  return findings;
}

/** The check of one case as it stands, for the case page, the command line, archiving and analytics. */
export class CaseCheck {
  constructor(
    private readonly cases: CaseRepository,
    private readonly clock: Clock,
  ) {}

  /** Every fact the check needs about one case, read in a handful of queries. */
  async facts(caseId: string): Promise<CheckFacts> {
    const c = await this.cases.find(caseId);
    if (!c) throw new NotFound('case', caseId);
    const actions = await this.cases.actions(caseId);
    const links = await this.cases.linkedRecordings(caseId);
    const ids = [...new Set(links.map((l) => l.recordingId))];
    if (ids.length === 0) return { case: c, actions, links, recordings: [], gaps: [], gapNotes: [] };
    const recordings = await this.cases.recordings(ids);
    const gaps = await this.cases.gaps(ids);
    const gapNotes = await this.cases.gapNotes(ids);
    return { case: c, actions, links, recordings, gaps, gapNotes };
  }

  /** `now`: archiving judges at the moment it freezes the case. */
  async findings(caseId: string, now: Date = this.clock.now()): Promise<Finding[]> {
    return findingsOf(await this.facts(caseId), now);
  }
}
