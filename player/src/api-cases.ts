/** Cases on the server (server/http/case-routes.ts): the calls and the shapes they answer with. */
import { request } from './api.ts';

export type Stage = 'initiation' | 'investigation' | 'decision' | 'service' | 'archive';
export const STAGES: Stage[] = ['initiation', 'investigation', 'decision', 'service', 'archive'];
export type ActionKind =
  | 'inspection' | 'sampling' | 'hearing' | 'seizure' | 'service_by_leaving' | 'service_by_notice'
  | 'restoration' | 'summary_procedure' | 'inquiry' | 'application_acceptance' | 'other';
export const ACTION_KINDS: ActionKind[] = [
  'inspection', 'sampling', 'hearing', 'seizure', 'service_by_leaving', 'service_by_notice',
  'restoration', 'summary_procedure', 'inquiry', 'application_acceptance', 'other',
];
export type Requirement = 'mandatory' | 'recommended' | 'optional';
export type NotRecordedReason = 'explosive_area' | 'state_secret' | 'trade_secret' | 'privacy' | 'other';
export type FindingKind = 'action_unrecorded' | 'gap_without_reason' | 'recorded_after_action' | 'emergency_approval_late' | 'late_upload' | 'archive_overdue';

export interface Clause {
  seed: string;
  article: number;
  quote: string;
}

export interface CaseSummary {
  id: string;
  caseNo: string;
  unit: string;
  title: string;
  emergency: boolean;
  initiatedAt: string;
  approvedAt: string | null;
  approvalDeadline: string | null;
  endedAt: string | null;
  archiveDeadline: string | null;
  archiveOverdue: boolean;
  archivedAt: string | null;
  archivedBy: string | null;
  manifestKey: string | null;
  stage: Stage | null;
}

export interface Finding {
  kind: FindingKind;
  caseId: string;
  actionId?: string;
  recordingId?: string;
  gapIdx?: number;
  officerBadge: string | null;
  at: string;
  clauses: string[];
}

export interface CaseAction {
  id: string;
  kind: ActionKind;
  stage: Stage;
  at: string;
  endedAt: string | null;
  place: string | null;
  officerBadge: string | null;
  requirement: Requirement;
  clauses: Clause[];
  notRecordedReason: NotRecordedReason | null;
  notRecordedText: string | null;
  links: { id: string; recordingId: string | null; deviceId: string | null; from: string | null; to: string | null }[];
  recordingIds: string[];
}

export interface CaseDetail {
  case: CaseSummary;
  stages: { stage: Stage; startedAt: string; endedAt: string | null }[];
  members: { badge: string; role: 'officer' | 'reviewer' }[];
  actions: CaseAction[];
  recordings: { id: string; deviceId: string; officerBadge: string | null; startedAt: string; endedAt: string | null; gaps: { idx: number; startAt: string; note: { reason: string } | null }[] }[];
  findings: Finding[];
  advice: { actionId: string; kind: ActionKind; clauses: string[] }[];
  annotations: { id: string; text: string; by: string; at: string }[];
}

export interface ActionRules {
  rules: Record<ActionKind, { requirement: Requirement; clauses: Clause[] }>;
}

export function getCases(signal: AbortSignal): Promise<{ cases: (CaseSummary & { findings: number })[] }> {
  return request('GET', '/api/cases', signal);
}

export function getCase(id: string, signal: AbortSignal): Promise<CaseDetail> {
  return request('GET', `/api/cases/${encodeURIComponent(id)}`, signal);
}

export function createCase(body: { caseNo: string; unit: string; title: string; emergency: boolean }, signal: AbortSignal): Promise<{ id: string }> {
  return request('POST', '/api/cases', signal, () => body);
}

/** POSTs an act on one case: `act` is the path under the case (`actions`, `actions/<id>/links`, `archive`, …). */
export function caseAct<T = unknown>(caseId: string, act: string, body: unknown, signal: AbortSignal): Promise<T> {
  return request('POST', `/api/cases/${encodeURIComponent(caseId)}/${act}`, signal, () => body);
}

export function noteGap(recordingId: string, idx: number, reason: string, signal: AbortSignal): Promise<void> {
  return request('POST', `/api/recordings/${encodeURIComponent(recordingId)}/gaps/${idx}/note`, signal, () => ({ reason }));
}

export function getActionRules(signal: AbortSignal): Promise<ActionRules> {
  return request('GET', '/api/action-rules', signal);
}
