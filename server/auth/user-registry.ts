/** People who sign in: officers, reviewers, custodians, auditors, admins, parties. */
import { z } from 'zod';
import { badgeSchema } from '../badges.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { AuthSessionRepository } from '../db/auth-session-repository.ts';
import type { Repositories } from '../db/repositories.ts';
import { type AccountState, CONFIDENTIALITY_LABELS, type Confidentiality, ROLES, type User } from '../db/schema.ts';
import type { UserRepository } from '../db/user-repository.ts';
import { UserExists, UserNotFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { unitSchema } from '../units.ts';
import { DEFAULT_PASSWORD_COST, generatePassword, hashPassword } from './password.ts';
import { type Clock, systemClock } from '../clock.ts';

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
    ...viewerOf(u),
    state: u.state,
    mustChangePassword: u.must_change_password === 1,
    lastSignInAt: u.last_sign_in_at,
    createdAt: u.created_at,
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

export function viewerOf(u: Pick<User, 'id' | 'name' | 'badge' | 'role' | 'unit' | 'clearances'>): Viewer {
  return { id: u.id, name: u.name, badge: u.badge, role: u.role, unit: u.unit, clearances: JSON.parse(u.clearances) as Confidentiality[] };
}

export class UserRegistry {
  private readonly users: UserRepository;

  /** `passwordCost`: scrypt's log2 N for the hashes of new passwords (LIUHEN_PASSWORD_COST). */
  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly clock: Clock = systemClock,
    private readonly passwordCost = DEFAULT_PASSWORD_COST,
  ) {
    this.users = repos.users;
  }

  /** A new password's hash, at the installation's cost. */
  hashPassword(password: string): Promise<string> {
    return hashPassword(password, this.passwordCost);
  }

  /** `state`: `awaiting_approval` when the account's grant waits for a security officer (accounts.ts). */
  async add(input: NewUser, actor: string, state: AccountState = 'active'): Promise<{ user: UserView; password: string }> {
    const spec = newUserSchema.parse(input);
    if (await this.users.byBadge(spec.badge)) throw new UserExists(spec.badge);
    const password = spec.password ?? generatePassword();
    const now = this.clock.now().toISOString();
    const row: User = {
      id: newId('usr'),
      badge: spec.badge,
      name: spec.name,
      role: spec.role,
      unit: spec.unit,
      clearances: JSON.stringify(spec.clearances),
      password_hash: await this.hashPassword(password),
      failed_attempts: 0,
      locked_until: null,
      state,
      created_at: now,
      must_change_password: spec.password ? 0 : 1,
      last_sign_in_at: null,
    };
    await this.users.transaction(async (r) => {
      await r.add(row);
      await r.keepPassword({ user_id: row.id, password_hash: row.password_hash, set_at: now, set_by: actor });
    });
    await this.audit.record({
      actor,
      action: 'user.add',
      subject: row.id,
      outcome: 'ok',
      detail: { role: row.role, unit: row.unit, badge: row.badge, clearances: spec.clearances, state },
    });
    return { user: userView(row), password };
  }

  /** Sets a new password hash, kept in the history too; `oneTime`: it was shown to an administrator. */
  async setPassword(id: string, hash: string, oneTime: boolean, by: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.users.transaction(async (r) => {
      await r.setPassword(id, hash, oneTime);
      await r.keepPassword({ user_id: id, password_hash: hash, set_at: now, set_by: by });
    });
  }

  /** The hashes of the account's newest `n` passwords, the current one included. */
  async recentPasswords(id: string, n: number): Promise<string[]> {
    return this.users.recentPasswords(id, n);
  }

  /** Ends every session of the account at once: its access tokens stop with their session (auth-service.ts). */
  async endSessions(id: string): Promise<void> {
    await this.users.beside(AuthSessionRepository).revokeAllOf(id, this.clock.now().toISOString());
  }

  async get(id: string): Promise<User> {
    const u = await this.users.find(id);
    if (!u) throw new UserNotFound(id);
    return u;
  }

  /** A user by id, or undefined: for a token naming an account that is gone. */
  async find(id: string): Promise<User | undefined> {
    return this.users.find(id);
  }

  /**
   * Counts a sign-in attempt on the account, unless it is slowed down: from the `slowAfter`th
   * attempt since the last success on, each one waits `slowMs` after the one before, counted
   * atomically (UserRepository.countAttempt). Returns seconds to wait, 0 when counted.
   */
  async countAttempt(id: string, now: Date, slowAfter: number, slowMs: number): Promise<number> {
    const at = now.toISOString();
    if (await this.users.countAttempt(id, at, slowAfter, new Date(now.getTime() + slowMs).toISOString())) return 0;
    const lockedUntil = await this.users.lockedUntil(id);
    return Math.max(1, Math.ceil((Date.parse(lockedUntil ?? at) - now.getTime()) / 1000));
  }

  /** A success ends the count and any slow-down. */
  async attemptsSucceeded(id: string): Promise<void> {
    await this.users.attemptsSucceeded(id);
  }

  async byBadge(badge: string): Promise<User | undefined> {
    return this.users.byBadge(badge);
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(userView);
  }
}
