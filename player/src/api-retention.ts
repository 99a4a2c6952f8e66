/** Retention (server/http/retention-routes.ts): a custodian's legal hold, and the storage figures of the analytics page. */
import { request } from './api.ts';
import type { Answer, Body } from './types.ts';

export type RetentionReport = Answer<'/api/retention/report', 'get'>;
export type ReportCategory = RetentionReport['rows'][number]['category'];
export type HoldChange = Answer<'/api/recordings/{id}/hold', 'post'>;

/** `unit`: one unit (auditors); without it, every unit for an auditor and their own for others. */
export function getRetentionReport(unit: string | undefined, signal: AbortSignal): Promise<RetentionReport> {
  return request('GET', `/api/retention/report${unit ? `?${new URLSearchParams({ unit }).toString()}` : ''}`, signal);
}

/** Places (`hold`) or lifts (`release`) the legal hold; the server refuses anyone but a custodian of the recording's unit. */
export function changeHold(recordingId: string, act: 'hold' | 'release', body: Body<'/api/recordings/{id}/hold', 'post'>, signal: AbortSignal): Promise<HoldChange> {
  return request('POST', `/api/recordings/${encodeURIComponent(recordingId)}/${act}`, signal, () => body);
}
