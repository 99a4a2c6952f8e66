/** Cases on the server (server/http/case-routes.ts): the calls and the shapes they answer with. */
import { request } from './api.ts';
import type { Answer, Body } from './types.ts';

export type CaseDetail = Answer<'/api/cases/{id}', 'get'>;
export type CaseSummary = CaseDetail['case'];
export type Stage = NonNullable<CaseSummary['stage']>;
export const STAGES: Stage[] = ['initiation', 'investigation', 'decision', 'service', 'archive'];
export type CaseAction = CaseDetail['actions'][number];
export type ActionKind = CaseAction['kind'];
export const ACTION_KINDS: ActionKind[] = [
  'inspection',
  'sampling',
  'hearing',
  'seizure',
  'service_by_leaving',
  'service_by_notice',
  'restoration',
  'summary_procedure',
  'inquiry',
  'application_acceptance',
  'other',
];
export type Requirement = CaseAction['requirement'];
export type NotRecordedReason = NonNullable<CaseAction['notRecordedReason']>;
export type Clause = CaseAction['clauses'][number];
export type Finding = CaseDetail['findings'][number];
export type FindingKind = Finding['kind'];
type DeclaredRules = Answer<'/api/action-rules', 'get'>;
/** A zod record over an enum is declared partial; the server's rules name every kind (recording-rules.ts). */
export type ActionRules = Omit<DeclaredRules, 'rules'> & { rules: Required<DeclaredRules['rules']> };

export function getCases(signal: AbortSignal): Promise<Answer<'/api/cases', 'get'>> {
  return request('GET', '/api/cases', signal);
}

export function getCase(id: string, signal: AbortSignal): Promise<CaseDetail> {
  return request('GET', `/api/cases/${encodeURIComponent(id)}`, signal);
}

export function createCase(body: Body<'/api/cases', 'post'>, signal: AbortSignal): Promise<Answer<'/api/cases', 'post', 201>> {
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
