/**
 * Sign-in, refresh, sign-out, and checking an access token on every request.
 *
 * Access tokens are JWTs (HS256 only — the algorithm is pinned on both sides, so `alg: none` or a
 * swapped algorithm is refused), valid ACCESS_MINUTES, naming the auth session they belong to.
 * Refresh tokens are random, stored hashed, spent on use. Signing out revokes the auth session,
 * which stops its access tokens at once, not only at their expiry.
 */
import { createHash, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { AccountLocked, NotAuthenticated, RateLimited } from '../errors.ts';
import { newId } from '../ids.ts';
import { AttemptLimiter } from './attempt-limiter.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { type UserRegistry, type Viewer, viewerOf } from './user-registry.ts';

export const ACCESS_MINUTES = 10;
const REFRESH_HOURS = 12;
const LOCK_AFTER_FAILURES = 5;
const LOCK_MINUTES = 15;
const ALGORITHM = 'HS256';
const ISSUER = 'liuhen';
const AUDIENCE = 'liuhen-api';

const claimsSchema = z.object({ sub: z.string(), sid: z.string() });

export interface RequestContext {
  address: string | null;
  userAgent: string | null;
}

export interface Tokens {
  accessToken: string;
  accessExpiresAt: string;
  refreshToken: string;
  user: Omit<Viewer, 'clearances'>;
}

export interface Authenticated {
  viewer: Viewer;
  authSessionId: string;
}

const refreshHash = (token: string) => createHash('sha256').update(`liuhen-refresh:${token}`).digest('hex');

export class AuthService {
  private readonly byAddress = new AttemptLimiter(20, 5 * 60_000);
  /** compared against when the badge is unknown, so timing does not tell which badges exist */
  private readonly decoyHash = hashPassword(randomBytes(16).toString('hex'));

  constructor(
    private readonly db: Db,
    private readonly users: UserRegistry,
    private readonly audit: AuditLog,
    private readonly jwtKey: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async signIn(badge: string, password: string, ctx: RequestContext): Promise<Tokens> {
    const wait = this.byAddress.hit(ctx.address ?? 'unknown');
    if (wait > 0) {
      await this.refusal(`badge:${badge}`, 'rate_limited', ctx);
      throw new RateLimited(wait);
    }
    const user = await this.users.byBadge(badge);
    const now = this.now();
    if (user?.locked_until && Date.parse(user.locked_until) > now.getTime()) {
      await this.refusal(`user:${user.id}`, 'locked', ctx);
      throw new AccountLocked(Math.ceil((Date.parse(user.locked_until) - now.getTime()) / 1000));
    }
    const ok = await verifyPassword(password, user?.password_hash ?? (await this.decoyHash));
    if (!user || !ok || user.state !== 'active') {
      if (user) await this.countFailure(user.id, user.failed_attempts + 1);
      await this.refusal(user ? `user:${user.id}` : `badge:${badge}`, user ? 'bad_password' : 'unknown_badge', ctx);
      throw new NotAuthenticated('bad_credentials', 'wrong badge number or password');
    }
    await this.db.updateTable('users').set({ failed_attempts: 0, locked_until: null }).where('id', '=', user.id).execute();
    const refreshToken = randomBytes(32).toString('base64url');
    const sessionId = newId('as');
    await this.db
      .insertInto('auth_sessions')
      .values({
        id: sessionId,
        user_id: user.id,
        refresh_hash: refreshHash(refreshToken),
        created_at: now.toISOString(),
        refresh_expires_at: new Date(now.getTime() + REFRESH_HOURS * 3_600_000).toISOString(),
        revoked_at: null,
      })
      .execute();
    await this.audit.record({ actor: `user:${user.id}`, action: 'auth.sign_in', subject: user.id, outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent, sessionId });
    return this.issue(viewerOf(user), sessionId, refreshToken);
  }

  async refresh(refreshToken: string, ctx: RequestContext): Promise<Tokens> {
    const session = await this.db.selectFrom('auth_sessions').selectAll().where('refresh_hash', '=', refreshHash(refreshToken)).executeTakeFirst();
    if (!session || session.revoked_at || Date.parse(session.refresh_expires_at) <= this.now().getTime()) {
      await this.refusal('anonymous', 'bad_refresh_token', ctx, 'auth.refresh');
      throw new NotAuthenticated();
    }
    const user = await this.users.get(session.user_id);
    if (user.state !== 'active') throw new NotAuthenticated();
    const next = randomBytes(32).toString('base64url');
    // Spent on use: only the holder of the newest refresh token can continue the session.
    const spent = await this.db
      .updateTable('auth_sessions')
      .set({ refresh_hash: refreshHash(next) })
      .where('id', '=', session.id)
      .where('refresh_hash', '=', session.refresh_hash)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) throw new NotAuthenticated();
    return this.issue(viewerOf(user), session.id, next);
  }

  async signOut(auth: Authenticated, ctx: RequestContext): Promise<void> {
    await this.db.updateTable('auth_sessions').set({ revoked_at: this.now().toISOString() }).where('id', '=', auth.authSessionId).execute();
    await this.audit.record({ actor: `user:${auth.viewer.id}`, action: 'auth.sign_out', subject: auth.viewer.id, outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent, sessionId: auth.authSessionId });
  }

  /** Checks an access token: signature (HS256 only), issuer, audience, expiry, and that its session lives. */
  async authenticate(token: string | undefined): Promise<Authenticated> {
    if (!token) throw new NotAuthenticated();
    let claims: z.infer<typeof claimsSchema>;
    try {
      claims = claimsSchema.parse(jwt.verify(token, this.jwtKey, { algorithms: [ALGORITHM], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: Math.floor(this.now().getTime() / 1000) }));
    } catch {
      throw new NotAuthenticated();
    }
    const session = await this.db.selectFrom('auth_sessions').select(['user_id', 'revoked_at', 'refresh_expires_at']).where('id', '=', claims.sid).executeTakeFirst();
    if (!session || session.revoked_at || session.user_id !== claims.sub) throw new NotAuthenticated();
    const user = await this.users.get(claims.sub);
    if (user.state !== 'active') throw new NotAuthenticated();
    return { viewer: viewerOf(user), authSessionId: claims.sid };
  }

  private issue(viewer: Viewer, sessionId: string, refreshToken: string): Tokens {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    const exp = nowSeconds + ACCESS_MINUTES * 60;
    const accessToken = jwt.sign({ sub: viewer.id, sid: sessionId, iat: nowSeconds, exp }, this.jwtKey, { algorithm: ALGORITHM, issuer: ISSUER, audience: AUDIENCE });
    const { clearances: _c, ...user } = viewer;
    return { accessToken, accessExpiresAt: new Date(exp * 1000).toISOString(), refreshToken, user };
  }

  private async countFailure(userId: string, failures: number): Promise<void> {
    const lockedUntil = failures >= LOCK_AFTER_FAILURES ? new Date(this.now().getTime() + LOCK_MINUTES * 60_000).toISOString() : null;
    await this.db.updateTable('users').set({ failed_attempts: lockedUntil ? 0 : failures, locked_until: lockedUntil }).where('id', '=', userId).execute();
  }

  private async refusal(actor: string, reason: string, ctx: RequestContext, action = 'auth.sign_in'): Promise<void> {
    await this.audit.record({ actor, action, outcome: 'refused', address: ctx.address, userAgent: ctx.userAgent, detail: { reason } });
  }
}
