/** An account's record for its administrators: its sign-ins, and every audit event it did or was the subject of. */
import { type AuditEventView, auditEventView } from '../audit/audit-event-view.ts';
import type { AuditRepository } from '../db/audit-repository.ts';

const MAX_EVENTS = 200;

export interface SignIn {
  at: string;
  outcome: 'ok' | 'refused' | 'error';
  address: string | null;
}

export interface AccountHistory {
  signIns: SignIn[];
  events: AuditEventView[];
}

/** Newest first, at most 200 of each. */
export async function accountHistory(audit: AuditRepository, userId: string): Promise<AccountHistory> {
  const [signIns, events] = await Promise.all([audit.concerning(userId, MAX_EVENTS, 'auth.sign_in'), audit.concerning(userId, MAX_EVENTS)]);
  return { signIns: signIns.map((e) => ({ at: e.at, outcome: e.outcome, address: e.address })), events: events.map(auditEventView) };
}
