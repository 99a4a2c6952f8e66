/**
 * Accounts (issue 13): one's own password, the admin's users, the security officer's grants.
 * Granting media or a clearance takes two people (三员分立): the admin's act answers a grant to
 * approve instead of a changed user, and the page says who must act next.
 */
import { ApiError, describeError, request } from './api.ts';
import { hasMessage, t } from './i18n.ts';
import type { Answer, Body } from './types.ts';

export type UserView = Answer<'/api/users', 'get'>['users'][number];
export type AccountState = UserView['state'];
export type GrantView = Answer<'/api/grants', 'get'>['grants'][number];
export type GrantState = GrantView['state'];
export type GrantKind = GrantView['kind'];
export type NewAccount = Body<'/api/users', 'post'>;
export type AccountHistory = Answer<'/api/users/{id}/history', 'get'>;
type Created = Answer<'/api/users', 'post', 201>;
type Grants = Body<'/api/users/{id}/grants', 'post'>;

/** What an admin's change did: applied at once (200), or proposed to the security officer (202). */
export type ChangeOutcome = Answer<'/api/users/{id}/enable', 'post'> | Answer<'/api/users/{id}/enable', 'post', 202>;

const enc = encodeURIComponent;

export function changePassword(current: string, next: string, signal: AbortSignal): Promise<void> {
  return request('POST', '/api/me/password', signal, () => ({ current, next }));
}

export function getUsers(signal: AbortSignal): Promise<Answer<'/api/users', 'get'>> {
  return request('GET', '/api/users', signal);
}

export function createUser(body: NewAccount, signal: AbortSignal): Promise<Created> {
  return request('POST', '/api/users', signal, () => body);
}

export function proposeGrant(userId: string, body: Grants, signal: AbortSignal): Promise<ChangeOutcome> {
  return request('POST', `/api/users/${enc(userId)}/grants`, signal, () => body);
}

/** The password at once (200), or a reset proposed to the security officer (202), who receives it on approval. */
export function resetPassword(userId: string, signal: AbortSignal): Promise<Answer<'/api/users/{id}/reset', 'post'> | Answer<'/api/users/{id}/reset', 'post', 202>> {
  return request('POST', `/api/users/${enc(userId)}/reset`, signal, () => ({}));
}

export function disableUser(userId: string, reason: string, signal: AbortSignal): Promise<Answer<'/api/users/{id}/disable', 'post'>> {
  return request('POST', `/api/users/${enc(userId)}/disable`, signal, () => ({ reason }));
}

export function enableUser(userId: string, signal: AbortSignal): Promise<ChangeOutcome> {
  return request('POST', `/api/users/${enc(userId)}/enable`, signal, () => ({}));
}

export function getHistory(userId: string, signal: AbortSignal): Promise<AccountHistory> {
  return request('GET', `/api/users/${enc(userId)}/history`, signal);
}

export function getGrants(state: GrantState, signal: AbortSignal): Promise<Answer<'/api/grants', 'get'>> {
  return request('GET', `/api/grants?state=${state}`, signal);
}

export function approveGrant(id: string, signal: AbortSignal): Promise<Answer<'/api/grants/{id}/approve', 'post'>> {
  return request('POST', `/api/grants/${enc(id)}/approve`, signal, () => ({}));
}

export function rejectGrant(id: string, reason: string, signal: AbortSignal): Promise<Answer<'/api/grants/{id}/reject', 'post'>> {
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
