/** People who sign in: officers, reviewers, custodians, auditors, admins, parties. */
import { z } from 'zod';
import { badgeSchema } from '../badges.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { CONFIDENTIALITY_LABELS, type Confidentiality, ROLES, type User } from '../db/schema.ts';
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
  /** generated (and shown once) when not given */
  password: z.string().min(12, 'passwords are at least 12 characters').max(200).optional(),
});
export type NewUser = z.input<typeof newUserSchema>;

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

  async add(input: NewUser, actor: string): Promise<{ user: Viewer; password: string }> {
    const spec = newUserSchema.parse(input);
    if (await this.db.selectFrom('users').select('id').where('badge', '=', spec.badge).executeTakeFirst()) throw new UserExists(spec.badge);
    const password = spec.password ?? generatePassword();
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
      state: 'active',
      created_at: new Date().toISOString(),
    };
    await this.db.insertInto('users').values(row).execute();
    await this.audit.record({ actor, action: 'user.add', subject: row.id, outcome: 'ok', detail: { role: row.role, unit: row.unit, badge: row.badge } });
    return { user: viewerOf(row), password };
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

  async list(): Promise<Viewer[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('created_at').execute()).map(viewerOf);
  }
}
