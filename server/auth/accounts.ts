/**
 * An account's life after it is made: created with a one-time password, its role and clearances
 * changed, reset, disabled and enabled again, its own password changed — never deleted, so its
 * audit history stays whole. What one administrator may do alone and what becomes a grant for a
 * security officer is account-policy.ts's; who may call what is the routes' and the CLI's.
 */
import type { AuditLog } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import type { AccountState, Confidentiality, Role } from '../db/schema.ts';
import { mayChangeAlone, mayGrantAlone } from '../policy/account-policy.ts';
import { AccountNotDisabled, WrongPassword } from './account-errors.ts';
import { type GrantView, Grants } from './account-grants.ts';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';
import { PasswordReused, REUSE_DEPTH, WeakPassword, weakness } from './password-rules.ts';
import { type NewUser, type UserRegistry, type UserView, userView, viewerOf } from './user-registry.ts';

export interface GrantChange {
  role?: Role;
  clearances?: Confidentiality[];
}

/** An act that either took effect at once (`user`) or waits for a security officer (`grant`). */
export type Applied = { user: UserView; grant?: undefined } | { grant: GrantView; user?: undefined };

export class Accounts {
  readonly grants: Grants;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly users: UserRegistry,
  ) {
    this.grants = new Grants(db, audit);
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
    await this.db.updateTable('users').set({ role: to.role, clearances: JSON.stringify(to.clearances) }).where('id', '=', userId).execute();
    await this.audit.record({ actor, action: 'user.change', subject: userId, outcome: 'ok', detail: { from: { role: u.role, clearances: u.clearances }, to } });
    return { user: userView(await this.users.get(userId)) };
  }

  /** A new one-time password; every session of the account ends. */
  async reset(userId: string, actor: string): Promise<string> {
    await this.users.get(userId);
    const password = generatePassword();
    await this.users.setPassword(userId, await hashPassword(password), true, actor);
    await this.users.endSessions(userId);
    await this.audit.record({ actor, action: 'user.reset', subject: userId, outcome: 'ok' });
    return password;
  }

  /** Disabled at once: the account's sessions end, and it signs in no more until enabled. */
  async disable(userId: string, reason: string, actor: string): Promise<UserView> {
    await this.users.get(userId);
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
    if (!(await verifyPassword(current, u.password_hash))) throw new WrongPassword();
    const why = weakness(next, u.badge);
    if (why) throw new WeakPassword(why);
    for (const old of await this.users.recentPasswords(userId, REUSE_DEPTH)) if (await verifyPassword(next, old)) throw new PasswordReused();
    await this.users.setPassword(userId, await hashPassword(next), false, `user:${userId}`);
    await this.db.updateTable('auth_sessions').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', userId).where('id', '!=', sessionId).where('revoked_at', 'is', null).execute();
    await this.audit.record({ actor: `user:${userId}`, action: 'user.password', subject: userId, outcome: 'ok', sessionId });
  }

  /** Whether an active security officer exists: until one does, the operator bootstraps alone (users-command.ts). */
  async hasSecurityOfficer(): Promise<boolean> {
    return !!(await this.db.selectFrom('users').select('id').where('role', '=', 'security_officer').where('state', '=', 'active').executeTakeFirst());
  }

  private async setState(userId: string, state: AccountState): Promise<void> {
    await this.db.updateTable('users').set({ state }).where('id', '=', userId).execute();
  }
}
