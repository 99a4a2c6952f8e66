/**
 * Accounts (issue 13): one's own password, the admin's users, the security officer's grants.
 * Granting media or a clearance takes two people (三员分立): the admin's act answers a grant to
 * approve instead of a changed user, and the page says who must act next.
 */
import { ApiError, describeError, request } from './api.ts';
import { hasMessage, t } from './i18n.ts';
import type { AuditEvent, Confidentiality, Role } from './types.ts';

export type AccountState = 'active' | 'disabled' | 'awaiting_approval';
export type GrantState = 'proposed' | 'approved' | 'rejected';
export type GrantKind = 'create' | 'change' | 'enable';

export interface UserView {
  id: string;
  badge: string;
  name: string;
  role: Role;
  unit: string;
  clearances: Confidentiality[];
  state: AccountState;
  mustChangePassword: boolean;
  lastSignInAt: string | null;
  createdAt: string;
}

export interface Person {
  id: string;
  badge: string;
  name: string;
}

export interface GrantView {
  id: string;
  userId: string;
  userBadge: string;
  userName: string;
  kind: GrantKind;
  role: Role;
  clearances: Confidentiality[];
  state: GrantState;
  proposedBy: Person;
  proposedAt: string;
  decidedBy: Person | null;
  decidedAt: string | null;
  reason: string | null;
}

export interface NewAccount {
  role: Role;
  unit: string;
  name: string;
  badge: string;
  clearances: Confidentiality[];
}

export interface AccountHistory {
  signIns: { at: string; outcome: string; address: string | null }[];
  events: AuditEvent[];
}

/** What an admin's change did: applied at once, or proposed to the security officer. */
export type ChangeOutcome = { user: UserView } | { grant: GrantView };

const enc = encodeURIComponent;

export function changePassword(current: string, next: string, signal: AbortSignal): Promise<void> {
  return request('POST', '/api/me/password', signal, () => ({ current, next }));
}

export function getUsers(signal: AbortSignal): Promise<{ users: UserView[] }> {
  return request('GET', '/api/users', signal);
}

export function createUser(body: NewAccount, signal: AbortSignal): Promise<{ user: UserView; password: string; grant: GrantView | null }> {
  return request('POST', '/api/users', signal, () => body);
}

export function proposeGrant(userId: string, body: { role: Role; clearances: Confidentiality[] }, signal: AbortSignal): Promise<ChangeOutcome> {
  return request('POST', `/api/users/${enc(userId)}/grants`, signal, () => body);
}

export function resetPassword(userId: string, signal: AbortSignal): Promise<{ password: string }> {
  return request('POST', `/api/users/${enc(userId)}/reset`, signal, () => ({}));
}

export function disableUser(userId: string, reason: string, signal: AbortSignal): Promise<{ user: UserView }> {
  return request('POST', `/api/users/${enc(userId)}/disable`, signal, () => ({ reason }));
}

export function enableUser(userId: string, signal: AbortSignal): Promise<ChangeOutcome> {
  return request('POST', `/api/users/${enc(userId)}/enable`, signal, () => ({}));
}

export function getHistory(userId: string, signal: AbortSignal): Promise<AccountHistory> {
  return request('GET', `/api/users/${enc(userId)}/history`, signal);
}

export function getGrants(state: GrantState, signal: AbortSignal): Promise<{ grants: GrantView[] }> {
  return request('GET', `/api/grants?state=${state}`, signal);
}

export function approveGrant(id: string, signal: AbortSignal): Promise<{ grant: GrantView }> {
  return request('POST', `/api/grants/${enc(id)}/approve`, signal, () => ({}));
}

export function rejectGrant(id: string, reason: string, signal: AbortSignal): Promise<{ grant: GrantView }> {
  return request('POST', `/api/grants/${enc(id)}/reject`, signal, () => ({ reason }));
}

/**
 * A refusal of an account act in words. A weak password also carries the server's own statement
 * of the rule, which is the one in force.
 */
export function accountErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    const key = `account.error.${err.code}`;
    if (err.code === 'weak_password') {
      const rule = typeof err.body.message === 'string' ? err.body.message : '';
      return t('account.error.weak_password', { rule });
    }
    if (hasMessage(key)) return t(key);
  }
  return describeError(err);
}
