import type { Insertable } from 'kysely';
import { Repository } from './repository.ts';
import type { AccountState, Grant, GrantState, PasswordHistoryTable, User } from './schema.ts';

/** What an account holds: its role and clearances (JSON), and its state when a grant opens it. */
export type Holding = Pick<User, 'role' | 'clearances'> & { state?: AccountState };

export type GrantDecision = Pick<Grant, 'state' | 'decided_by' | 'decided_at'> & { reason?: string };

export type Person = Pick<User, 'id' | 'badge' | 'name'>;

/** Accounts, with their password history and the grants proposed for them. */
export class UserRepository extends Repository {
  async find(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async byBadge(badge: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('badge', '=', badge).executeTakeFirst();
  }

  /** Oldest first. */
  async list(): Promise<User[]> {
    return this.db.selectFrom('users').selectAll().orderBy('created_at').execute();
  }

  async people(ids: string[]): Promise<Person[]> {
    return this.db.selectFrom('users').select(['id', 'badge', 'name']).where('id', 'in', ids).execute();
  }

  async stateOf(id: string): Promise<AccountState> {
    return (await this.db.selectFrom('users').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
  }

  async add(user: User): Promise<void> {
    await this.db.insertInto('users').values(user).execute();
  }

  /** A password set on the account is kept in its history too (password_history is never changed). */
  async keepPassword(entry: Insertable<PasswordHistoryTable>): Promise<void> {
    await this.db.insertInto('password_history').values(entry).execute();
  }

  /** A new password hash ends any count of failed attempts and any slow-down. */
  async setPassword(id: string, hash: string, oneTime: boolean): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: hash, must_change_password: oneTime ? 1 : 0, failed_attempts: 0, locked_until: null })
      .where('id', '=', id)
      .execute();
  }

  /** The hashes of the account's newest `n` passwords. */
  async recentPasswords(id: string, n: number): Promise<string[]> {
    const rows = await this.db.selectFrom('password_history').select('password_hash').where('user_id', '=', id).orderBy('set_at', 'desc').limit(n).execute();
    return rows.map((r) => r.password_hash);
  }

  /**
   * Counts a sign-in attempt unless the account is slowed down until after `at`; from the
   * `slowAfter`th attempt since the last success on, it is slowed down until `slowUntil`. One
   * UPDATE (a read-then-write lets parallel attempts all count as one); SET reads the row as it
   * was, so the CASE sees the count before this attempt. False when not counted.
   */
  async countAttempt(id: string, at: string, slowAfter: number, slowUntil: string): Promise<boolean> {
    const counted = await this.db
      .updateTable('users')
      .set((eb) => ({
        failed_attempts: eb('failed_attempts', '+', 1),
        locked_until: eb
          .case()
          .when('failed_attempts', '>=', slowAfter - 1)
          .then(slowUntil)
          .else(eb.ref('locked_until'))
          .end(),
      }))
      .where('id', '=', id)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
      .returning('failed_attempts')
      .executeTakeFirst();
    return counted !== undefined;
  }

  async lockedUntil(id: string): Promise<string | null | undefined> {
    return (await this.db.selectFrom('users').select('locked_until').where('id', '=', id).executeTakeFirst())?.locked_until;
  }

  async attemptsSucceeded(id: string): Promise<void> {
    await this.db.updateTable('users').set({ failed_attempts: 0, locked_until: null }).where('id', '=', id).execute();
  }

  async signedIn(id: string, at: string): Promise<void> {
    await this.db.updateTable('users').set({ last_sign_in_at: at }).where('id', '=', id).execute();
  }

  async hold(id: string, holding: Holding): Promise<void> {
    await this.db.updateTable('users').set(holding).where('id', '=', id).execute();
  }

  async setState(id: string, state: AccountState): Promise<void> {
    await this.db.updateTable('users').set({ state }).where('id', '=', id).execute();
  }

  /** An account whose creation was rejected: kept, disabled. */
  async disableUnapproved(id: string): Promise<void> {
    await this.db.updateTable('users').set({ state: 'disabled' }).where('id', '=', id).where('state', '=', 'awaiting_approval').execute();
  }

  /** Whether an active security officer exists, `except` one account. */
  async hasActiveSecurityOfficer(except?: string): Promise<boolean> {
    let q = this.db.selectFrom('users').select('id').where('role', '=', 'security_officer').where('state', '=', 'active');
    if (except !== undefined) q = q.where('id', '!=', except);
    return !!(await q.executeTakeFirst());
  }

  async proposeGrant(grant: Grant): Promise<void> {
    await this.db.insertInto('account_grants').values(grant).execute();
  }

  async findGrant(id: string): Promise<Grant | undefined> {
    return this.db.selectFrom('account_grants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first, at most 500. */
  async grants(state?: GrantState): Promise<Grant[]> {
    let q = this.db.selectFrom('account_grants').selectAll().orderBy('proposed_at', 'desc').limit(500);
    if (state) q = q.where('state', '=', state);
    return q.execute();
  }

  /** Decides a grant still proposed (two officers deciding at once cannot both win); undefined when it was not. */
  async decideGrant(id: string, decision: GrantDecision): Promise<Grant | undefined> {
    return this.db.updateTable('account_grants').set(decision).where('id', '=', id).where('state', '=', 'proposed').returningAll().executeTakeFirst();
  }

  async grantExists(id: string): Promise<boolean> {
    return !!(await this.db.selectFrom('account_grants').select('id').where('id', '=', id).executeTakeFirst());
  }
}
