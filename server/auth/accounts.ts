/**
 * An account's life after it is made: created with a one-time password, its role and clearances
 * changed, reset, disabled and enabled again, its own password changed — never deleted, so its
 * audit history stays whole. What one administrator may do alone and what becomes a grant for a
 * security officer is account-policy.ts's; who may call what is the routes' and the CLI's.
 */
import { type AuditEventView, auditEventView } from '../audit/audit-event-view.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AuditRepository } from '../db/audit-repository.ts';
import { AuthSessionRepository } from '../db/auth-session-repository.ts';
import type { Repositories } from '../db/repositories.ts';
import type { AccountState, Confidentiality, Role } from '../db/schema.ts';
import type { UserRepository } from '../db/user-repository.ts';
import { mayChangeAlone, mayGrantAlone } from '../policy/account-policy.ts';
import { AccountNotDisabled, LastSecurityOfficer, WrongPassword } from './account-errors.ts';
import { type GrantView, Grants } from './account-grants.ts';
import { RateLimited } from '../errors.ts';
import { SLOW_AFTER, SLOW_SECONDS } from './auth-service.ts';
import { generatePassword, verifyPassword } from './password.ts';
import { PasswordReused, REUSE_DEPTH, WeakPassword, weakness } from './password-rules.ts';
import { type NewUser, type UserRegistry, type UserView, userView, viewerOf } from './user-registry.ts';
import { type Clock, systemClock } from '../clock.ts';

export interface GrantChange {
  role?: Role;
  clearances?: Confidentiality[];
}

/** An act that either took effect at once (`user`) or waits for a security officer (`grant`). */
export type Applied = { user: UserView; grant?: undefined } | { grant: GrantView; user?: undefined };

/** A reset: the new one-time password at once, or a grant whose approver receives it. */
export type Reset = { password: string; grant?: undefined } | { grant: GrantView; password?: undefined };

/** How many sign-ins and events an account's history shows, newest first. */
const MAX_HISTORY = 200;

export interface SignIn {
  at: string;
  outcome: 'ok' | 'refused' | 'error';
  address: string | null;
}

/** An account's record for its administrators: its sign-ins, and every audit event it did or was the subject of. */
export interface AccountHistory {
  signIns: SignIn[];
  events: AuditEventView[];
}

export class Accounts {
  readonly grants: Grants;
  private readonly accounts: UserRepository;
  private readonly events: AuditRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly users: UserRegistry,
    private readonly clock: Clock = systemClock,
  ) {
    this.grants = new Grants(repos, audit, clock);
    this.accounts = repos.users;
    this.events = repos.audit;
  }

  /** Newest first, at most MAX_HISTORY of each. */
  async history(userId: string): Promise<AccountHistory> {
    const [signIns, events] = await Promise.all([this.events.concerning(userId, MAX_HISTORY, 'auth.sign_in'), this.events.concerning(userId, MAX_HISTORY)]);
    return { signIns: signIns.map((e) => ({ at: e.at, outcome: e.outcome, address: e.address })), events: events.map(auditEventView) };
  }

  /**
   * A new account with a generated one-time password. What an administrator may not give alone
   * makes the account `awaiting_approval` with a `create` grant — unless `alone` (the operator
   * bootstrapping an installation that has no security officer yet).
   */
  async create(spec: Omit<NewUser, 'password'>, actor: string, alone = false): Promise<{ user: UserView; password: string; grant: GrantView | null }> {
    const needsApproval = !alone && !mayGrantAlone({ role: spec.role, clearances: spec.clearances ?? [] }).allow;
    const { user, password } = await this.users.add(spec, actor, needsApproval ? 'awaiting_approval' : 'active');
    if (!needsApproval) return { user, password, grant: null };
    return { user, password, grant: await this.grants.propose(user.id, 'create', { role: user.role, clearances: user.clearances }, actor) };
  }

  /** A change of role or clearances: taking away applies at once, giving is proposed. */
  async change(userId: string, change: GrantChange, actor: string): Promise<Applied> {
    const u = viewerOf(await this.users.get(userId));
    const to = { role: change.role ?? u.role, clearances: change.clearances ?? u.clearances };
    if (!mayChangeAlone(u, to).allow) return { grant: await this.grants.propose(userId, 'change', to, actor) };
    if (to.role !== 'security_officer') await this.keepASecurityOfficer(userId);
    await this.accounts.hold(userId, { role: to.role, clearances: JSON.stringify(to.clearances) });
    await this.audit.record({ actor, action: 'user.change', subject: userId, outcome: 'ok', detail: { from: { role: u.role, clearances: u.clearances }, to } });
    return { user: userView(await this.users.get(userId)) };
  }

  /**
   * A new one-time password; every session of the account ends. Whoever resets learns the password
   * and could sign in as the account: one that sees media or oversees the admin (what mayGrantAlone
   * refuses) is reset only with a security officer's approval, and the approver receives it to
   * hand over — unless `alone` (the operator, while no security officer exists).
   */
  async reset(userId: string, actor: string, alone = false): Promise<Reset> {
    const holds = viewerOf(await this.users.get(userId));
    if (!alone && !mayGrantAlone(holds).allow) return { grant: await this.grants.propose(userId, 'reset', holds, actor) };
    return { password: await this.newOneTimePassword(userId, actor) };
  }

  /** A security officer's approval of a grant; a reset's one-time password is answered to them, once. */
  async approve(grantId: string, actor: string): Promise<{ grant: GrantView; password?: string }> {
    const grant = await this.grants.approve(grantId, actor);
    return grant.kind === 'reset' ? { grant, password: await this.newOneTimePassword(grant.userId, actor) } : { grant };
  }

  private async newOneTimePassword(userId: string, actor: string): Promise<string> {
    const password = generatePassword();
    await this.users.setPassword(userId, await this.users.hashPassword(password), true, actor);
    await this.users.endSessions(userId);
    await this.audit.record({ actor, action: 'user.reset', subject: userId, outcome: 'ok' });
    return password;
  }

  /** Disabled at once: the account's sessions end, and it signs in no more until enabled. */
  async disable(userId: string, reason: string, actor: string): Promise<UserView> {
    await this.keepASecurityOfficer(userId);
    await this.setState(userId, 'disabled');
    await this.users.endSessions(userId);
    await this.audit.record({ actor, action: 'user.disable', subject: userId, outcome: 'ok', detail: { reason } });
    return userView(await this.users.get(userId));
  }

  /** Enabled at once if the account's role and clearances need no second person, else proposed. */
  async enable(userId: string, actor: string, alone = false): Promise<Applied> {
    const u = await this.users.get(userId);
    if (u.state !== 'disabled') throw new AccountNotDisabled(userId);
    const grant = viewerOf(u);
    if (!alone && !mayGrantAlone(grant).allow) return { grant: await this.grants.propose(userId, 'enable', grant, actor) };
    await this.setState(userId, 'active');
    await this.audit.record({ actor, action: 'user.enable', subject: userId, outcome: 'ok' });
    return { user: userView(await this.users.get(userId)) };
  }

  /**
   * The account's own change of password: the current one proves it is the person, the new one
   * must meet the rules and be none of the last five. Every other session of the account ends.
   */
  async changePassword(userId: string, current: string, next: string, sessionId: string): Promise<void> {
    const u = await this.users.get(userId);
    // A stolen access token must not guess the password at leisure: wrong ones count as failed sign-ins do.
    const wait = await this.users.countAttempt(userId, this.clock.now(), SLOW_AFTER, SLOW_SECONDS * 1000);
    if (wait > 0) throw new RateLimited(wait);
    if (!(await verifyPassword(current, u.password_hash))) throw new WrongPassword();
    await this.users.attemptsSucceeded(userId);
    const why = weakness(next, u.badge);
    if (why) throw new WeakPassword(why);
    for (const old of await this.users.recentPasswords(userId, REUSE_DEPTH)) if (await verifyPassword(next, old)) throw new PasswordReused();
    await this.users.setPassword(userId, await this.users.hashPassword(next), false, `user:${userId}`);
    await this.accounts.beside(AuthSessionRepository).revokeAllOf(userId, this.clock.now().toISOString(), sessionId);
    await this.audit.record({ actor: `user:${userId}`, action: 'user.password', subject: userId, outcome: 'ok', sessionId });
  }

  /** Whether an active security officer exists: until one does, the operator bootstraps alone (users-command.ts). */
  async hasSecurityOfficer(): Promise<boolean> {
    return this.accounts.hasActiveSecurityOfficer();
  }

  /** Refuses to take the last active security officer away: approvals would stop, and the shell would act alone. */
  private async keepASecurityOfficer(userId: string): Promise<void> {
    const u = await this.users.get(userId);
    if (u.role !== 'security_officer' || u.state !== 'active') return;
    if (!(await this.accounts.hasActiveSecurityOfficer(userId))) throw new LastSecurityOfficer();
  }

  private async setState(userId: string, state: AccountState): Promise<void> {
    await this.accounts.setState(userId, state);
  }
}
