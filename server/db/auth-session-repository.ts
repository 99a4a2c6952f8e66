import type { Selectable } from 'kysely';
import { Repository } from './repository.ts';
import type { AuthSessionsTable } from './schema.ts';

export type AuthSession = Selectable<AuthSessionsTable>;

/** What is checked of a session on every request: whose it is, whether it lives, and when it was last used. */
export type SessionState = Pick<AuthSession, 'id' | 'user_id' | 'revoked_at' | 'created_at' | 'last_active_at'>;

/** Signed-in users' sessions: a refresh token (hashed) each, and by id every access token issued on it. */
export class AuthSessionRepository extends Repository {
  async open(session: AuthSession): Promise<void> {
    await this.db.insertInto('auth_sessions').values(session).execute();
  }

  async find(id: string): Promise<SessionState | undefined> {
    return this.db.selectFrom('auth_sessions').select(['id', 'user_id', 'revoked_at', 'created_at', 'last_active_at']).where('id', '=', id).executeTakeFirst();
  }

  /** The session whose current refresh token hashes to `refreshHash`. */
  async byRefreshHash(refreshHash: string): Promise<AuthSession | undefined> {
    return this.db.selectFrom('auth_sessions').selectAll().where('refresh_hash', '=', refreshHash).executeTakeFirst();
  }

  /** Replaces the session's refresh token if it is still `spent`; false when another request spent it first. */
  async spendRefresh(id: string, spent: string, next: string): Promise<boolean> {
    const result = await this.db.updateTable('auth_sessions').set({ refresh_hash: next }).where('id', '=', id).where('refresh_hash', '=', spent).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Revokes the session unless it was already; true for the one caller that revoked it. */
  async revokeLive(id: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('auth_sessions').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** A sign-out: the session ends, its access tokens with it. */
  async revoke(id: string, at: string): Promise<void> {
    await this.db.updateTable('auth_sessions').set({ revoked_at: at }).where('id', '=', id).execute();
  }

  /** Every live session of the account ends, but `keep`. */
  async revokeAllOf(userId: string, at: string, keep?: string): Promise<void> {
    let q = this.db.updateTable('auth_sessions').set({ revoked_at: at }).where('user_id', '=', userId);
    if (keep !== undefined) q = q.where('id', '!=', keep);
    await q.where('revoked_at', 'is', null).execute();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('auth_sessions').set({ last_active_at: at }).where('id', '=', id).execute();
  }
}
