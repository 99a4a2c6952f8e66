/** People who sign in: officers, reviewers, custodians, auditors, admins, parties. */
import { z } from 'zod';
import { badgeSchema } from '../badges.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { type AccountState, CONFIDENTIALITY_LABELS, type Confidentiality, ROLES, type User } from '../db/schema.ts';
import { UserExists, UserNotFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { unitSchema } from '../units.ts';
import { generatePassword, hashPassword } from './password.ts';

export const newUserSchema = z.object({
  role: z.enum(ROLES as [User['role'], ...User['role'][]]),
  unit: unitSchema,
  name: z.string().trim().min(1).max(100),
  badge: badgeSchema,
  clearances: z.array(z.enum(CONFIDENTIALITY_LABELS as [Confidentiality, ...Confidentiality[]])).default([]),
  /**
   * In-process only (test fixtures): a password the account keeps. Otherwise one is generated, shown
   * once, and must be changed at the first sign-in.
   */
  password: z.string().min(12, 'passwords are at least 12 characters').max(200).optional(),
});
export type NewUser = z.input<typeof newUserSchema>;

/** An account as the administrators see it (GET /api/users, `liuhen users --json`). */
export interface UserView {
  id: string;
  badge: string;
  name: string;
  role: User['role'];
  unit: string;
  clearances: Confidentiality[];
  state: AccountState;
  mustChangePassword: boolean;
  lastSignInAt: string | null;
  createdAt: string;
}

export function userView(u: User): UserView {
  return {
    ...viewerOf(u), state: u.state, mustChangePassword: u.must_change_password === 1, lastSignInAt: u.last_sign_in_at, createdAt: u.created_at,
  };
}

/** What the rest of liuhen knows about a signed-in person. */
export interface Viewer {
  id: string;
  name: string;
  badge: string;
  role: User['role'];
  unit: string;
  clearances: Confidentiality[];
}

export function viewerOf(u: User): Viewer {
  return { id: u.id, name: u.name, badge: u.badge, role: u.role, unit: u.unit, clearances: JSON.parse(u.clearances) as Confidentiality[] };
}

export class UserRegistry {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  /** `state`: `awaiting_approval` when the account's grant waits for a security officer (accounts.ts). */
  async add(input: NewUser, actor: string, state: AccountState = 'active'): Promise<{ user: UserView; password: string }> {
    const spec = newUserSchema.parse(input);
    if (await this.db.selectFrom('users').select('id').where('badge', '=', spec.badge).executeTakeFirst()) throw new UserExists(spec.badge);
    const password = spec.password ?? generatePassword();
    const now = new Date().toISOString();
    const row: User = {
      id: newId('usr'),
      badge: spec.badge,
      name: spec.name,
      role: spec.role,
      unit: spec.unit,
      clearances: JSON.stringify(spec.clearances),
      password_hash: await hashPassword(password),
      failed_attempts: 0,
      locked_until: null,
      state,
      created_at: now,
      must_change_password: spec.password ? 0 : 1,
      last_sign_in_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('users').values(row).execute();
      await tx.insertInto('password_history').values({ user_id: row.id, password_hash: row.password_hash, set_at: now, set_by: actor }).execute();
    });
    await this.audit.record({
      actor, action: 'user.add', subject: row.id, outcome: 'ok', detail: { role: row.role, unit: row.unit, badge: row.badge, clearances: spec.clearances, state },
    });
    return { user: userView(row), password };
  }

  /** Sets a new password hash, kept in the history too; `oneTime`: it was shown to an administrator. */
  async setPassword(id: string, hash: string, oneTime: boolean, by: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ password_hash: hash, must_change_password: oneTime ? 1 : 0, failed_attempts: 0, locked_until: null }).where('id', '=', id).execute();
      await tx.insertInto('password_history').values({ user_id: id, password_hash: hash, set_at: now, set_by: by }).execute();
    });
  }

  /** The hashes of the account's newest `n` passwords, the current one included. */
  async recentPasswords(id: string, n: number): Promise<string[]> {
    const rows = await this.db.selectFrom('password_history').select('password_hash').where('user_id', '=', id).orderBy('set_at', 'desc').limit(n).execute();
    return rows.map((r) => r.password_hash);
  }

  /** Ends every session of the account at once: its access tokens stop with their session (auth-service.ts). */
  async endSessions(id: string): Promise<void> {
    await this.db.updateTable('auth_sessions').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async get(id: string): Promise<User> {
    const u = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!u) throw new UserNotFound(id);
    return u;
  }

  /** A user by id, or undefined: for a token naming an account that is gone. */
  async find(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Counts a sign-in attempt on the account, unless it is slowed down: from the `slowAfter`th
   * attempt since the last success on, each one waits `slowMs` after the one before. One UPDATE
   * (a read-then-write lets parallel attempts all count as one); SET reads the row as it was, so
   * the CASE sees the count before this attempt. Returns seconds to wait, 0 when counted.
   */
  async countAttempt(id: string, now: Date, slowAfter: number, slowMs: number): Promise<number> {
    const at = now.toISOString();
    const counted = await this.db
      .updateTable('users')
      .set((eb) => ({
        failed_attempts: eb('failed_attempts', '+', 1),
        locked_until: eb.case().when('failed_attempts', '>=', slowAfter - 1).then(new Date(now.getTime() + slowMs).toISOString()).else(eb.ref('locked_until')).end(),
      }))
      .where('id', '=', id)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
      .returning('failed_attempts')
      .executeTakeFirst();
    if (counted) return 0;
    const row = await this.db.selectFrom('users').select('locked_until').where('id', '=', id).executeTakeFirst();
    return Math.max(1, Math.ceil((Date.parse(row?.locked_until ?? at) - now.getTime()) / 1000));
  }

  /** A success ends the count and any slow-down. */
  async attemptsSucceeded(id: string): Promise<void> {
    await this.db.updateTable('users').set({ failed_attempts: 0, locked_until: null }).where('id', '=', id).execute();
  }

  async byBadge(badge: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('badge', '=', badge).executeTakeFirst();
  }

  async list(): Promise<UserView[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('created_at').execute()).map(userView);
  }
}
