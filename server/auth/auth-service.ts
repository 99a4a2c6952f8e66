/**
 * Sign-in, refresh, sign-out, and checking an access token on every request.
 *
 * Access tokens are JWTs (HS256 only — the algorithm is pinned on both sides, so `alg: none` or a
 * swapped algorithm is refused), valid ACCESS_MINUTES, naming the auth session they belong to.
 * Refresh tokens are random, stored hashed, spent on use, and name their auth session under a MAC:
 * a genuine token presented after it was spent means two holders (a thief used it first, or the
 * owner after the thief), so the whole session is revoked — both holders' tokens. Signing out
 * revokes the auth session, which stops its access tokens at once, not only at their expiry.
 *
 * Wrong passwords: a hard lock per account lets any stranger lock an officer out, so the lock is
 * per (badge, address): five failures from one place lock that place out for that badge (and keep
 * it to one try per LOCK_MINUTES until a success), while the officer signs in from their own.
 * Guessing from many places is held back per account: from the SLOW_AFTERth failure since the last
 * success, each attempt waits SLOW_SECONDS after the one before (counted in one UPDATE, so parallel
 * attempts all count). A stranger can delay the officer by at most that much per try, never lock
 * them out for long. A badge no account has answers exactly as one that has, with the same hash
 * run, so neither answers nor timing tell which badges exist. Only after the right password does
 * a disabled account, or one awaiting approval, hear so.
 *
 * Idle sessions end: a session with no authenticated request for `idleMinutes` is revoked when next
 * seen, its access and refresh tokens both answered `session_idle`. A refresh alone is no activity
 * (a page left open refreshes by itself). The last activity is written at most every TOUCH_MS, not
 * on every request.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { AuditAction } from '../audit/audit-actions.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AuthSessionRepository, SessionState } from '../db/auth-session-repository.ts';
import type { Repositories } from '../db/repositories.ts';
import { UserRepository } from '../db/user-repository.ts';
import { AccountLocked, NotAuthenticated, RateLimited } from '../errors.ts';
import { newId } from '../ids.ts';
import { AccountDisabled, AwaitingApproval, SessionIdle } from './account-errors.ts';
import { AttemptLimiter, FailureLock } from './attempt-limiter.ts';
import { verifyPassword } from './password.ts';
import { type UserRegistry, type Viewer, viewerOf } from './user-registry.ts';
import { type Clock, systemClock } from '../clock.ts';

export const ACCESS_MINUTES = 10;
const REFRESH_HOURS = 12;
const LOCK_AFTER_FAILURES = 5;
const LOCK_MINUTES = 15;
export const SLOW_AFTER = 10;
export const SLOW_SECONDS = 30;
const ALGORITHM = 'HS256';
const ISSUER = 'liuhen';
const AUDIENCE = 'liuhen-api';
const TOUCH_MS = 60_000;

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
  /** the password is one-time: the session may only change it (authenticate.ts) */
  mustChangePassword: boolean;
}

export interface Authenticated {
  viewer: Viewer;
  authSessionId: string;
  mustChangePassword: boolean;
}

const refreshHash = (token: string) => createHash('sha256').update(`liuhen-refresh:${token}`).digest('hex');

export class AuthService {
  private readonly byAddress: AttemptLimiter;
  /** failures per (badge, address) */
  private readonly byPlace: FailureLock;
  /** the per-account slow-down, for badges no account has */
  private readonly unknownBadges: FailureLock;
  /** compared against when the badge is unknown, so timing does not tell which badges exist */
  private readonly decoyHash: Promise<string>;
  private readonly idleMs: number;
  private readonly sessions: AuthSessionRepository;

  constructor(
    repos: Repositories,
    private readonly users: UserRegistry,
    private readonly audit: AuditLog,
    private readonly jwtKey: Buffer,
    idleMinutes = 30,
    private readonly clock: Clock = systemClock,
  ) {
    // at the cost of the accounts' own hashes, so that it takes as long as theirs
    this.decoyHash = users.hashPassword(randomBytes(16).toString('hex'));
    this.idleMs = idleMinutes * 60_000;
    this.sessions = repos.authSessions;
    this.byAddress = new AttemptLimiter(repos.attempts, 'sign_in.address', 20, 5 * 60_000, clock);
    this.byPlace = new FailureLock(repos.attempts, 'sign_in.place', LOCK_AFTER_FAILURES, LOCK_MINUTES * 60_000, clock);
    this.unknownBadges = new FailureLock(repos.attempts, 'sign_in.unknown_badge', SLOW_AFTER, SLOW_SECONDS * 1000, clock);
  }

  async signIn(badge: string, password: string, ctx: RequestContext): Promise<Tokens> {
    const address = ctx.address ?? 'unknown';
    const wait = await this.byAddress.hit(address);
    if (wait > 0) {
      await this.refusal(`badge:${badge}`, 'rate_limited', ctx);
      throw new RateLimited(wait);
    }
    const user = await this.users.byBadge(badge);
    const now = this.clock.now();
    const place = `${badge}\n${address}`;
    const placeWait = await this.byPlace.attempt(place);
    const accountWait = placeWait > 0 ? 0 : user ? await this.users.countAttempt(user.id, now, SLOW_AFTER, SLOW_SECONDS * 1000) : await this.unknownBadges.attempt(badge);
    // Run whatever the answer will be: a refusal without the hash would be quicker, and tell.
    const ok = await verifyPassword(password, user?.password_hash ?? (await this.decoyHash));
    const actor = user ? `user:${user.id}` : `badge:${badge}`;
    if (placeWait > 0) {
      await this.refusal(actor, 'locked', ctx);
      throw new AccountLocked(placeWait);
    }
    if (accountWait > 0) {
      await this.refusal(actor, 'slowed', ctx);
      throw new RateLimited(accountWait);
    }
    if (!user || !ok) {
      await this.refusal(actor, user ? 'bad_password' : 'unknown_badge', ctx);
      throw new NotAuthenticated('bad_credentials', 'wrong badge number or password');
    }
    if (user.state !== 'active') {
      await this.refusal(actor, user.state === 'disabled' ? 'account_disabled' : 'awaiting_approval', ctx, 'auth.sign_in', user.id);
      throw user.state === 'disabled' ? new AccountDisabled() : new AwaitingApproval();
    }
    await this.byPlace.succeeded(place);
    await this.byAddress.refund(address);
    await this.users.attemptsSucceeded(user.id);
    const sessionId = newId('as');
    const refreshToken = this.refreshTokenFor(sessionId);
    await this.sessions.open({
      id: sessionId,
      user_id: user.id,
      refresh_hash: refreshHash(refreshToken),
      created_at: now.toISOString(),
      refresh_expires_at: new Date(now.getTime() + REFRESH_HOURS * 3_600_000).toISOString(),
      revoked_at: null,
      last_active_at: now.toISOString(),
    });
    await this.sessions.beside(UserRepository).signedIn(user.id, now.toISOString());
    await this.audit.record({ actor: `user:${user.id}`, action: 'auth.sign_in', subject: user.id, outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent, sessionId });
    return this.issue(viewerOf(user), sessionId, refreshToken, user.must_change_password === 1);
  }

  async refresh(refreshToken: string, ctx: RequestContext): Promise<Tokens> {
    const session = await this.sessions.byRefreshHash(refreshHash(refreshToken));
    if (!session) {
      await this.spentOrUnknown(refreshToken, ctx);
      throw new NotAuthenticated();
    }
    if (session.revoked_at || Date.parse(session.refresh_expires_at) <= this.clock.now().getTime()) {
      await this.refusal('anonymous', 'bad_refresh_token', ctx, 'auth.refresh');
      throw new NotAuthenticated();
    }
    await this.endIfIdle(session, ctx);
    const user = await this.users.find(session.user_id);
    if (user?.state !== 'active') throw new NotAuthenticated();
    const next = this.refreshTokenFor(session.id);
    // Spent on use: only the holder of the newest refresh token can continue the session.
    if (!(await this.sessions.spendRefresh(session.id, session.refresh_hash, refreshHash(next)))) {
      // Spent by another request meanwhile: the same token in two hands.
      await this.revokeReused(session.id, session.user_id, ctx);
      throw new NotAuthenticated();
    }
    return this.issue(viewerOf(user), session.id, next, user.must_change_password === 1);
  }

  /** Revokes a session idle past the limit (audited once, by whichever request finds it) and refuses with `session_idle`. */
  private async endIfIdle(session: SessionState, ctx: RequestContext): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - Date.parse(session.last_active_at ?? session.created_at) <= this.idleMs) return;
    if (await this.sessions.revokeLive(session.id, now.toISOString())) {
      await this.audit.record({
        actor: `user:${session.user_id}`,
        action: 'auth.idle',
        subject: session.user_id,
        outcome: 'ok',
        address: ctx.address,
        userAgent: ctx.userAgent,
        sessionId: session.id,
        detail: { lastActiveAt: session.last_active_at ?? session.created_at },
      });
    }
    throw new SessionIdle();
  }

  /**
   * A refresh token matching no session's current one: a spent token of a live session is reuse,
   * and revokes that session; anything else (expired, forged, of a session revoked) is a refusal.
   */
  private async spentOrUnknown(token: string, ctx: RequestContext): Promise<void> {
    const sessionId = this.sessionOf(token);
    const session = sessionId ? await this.sessions.find(sessionId) : undefined;
    if (session && !session.revoked_at) await this.revokeReused(session.id, session.user_id, ctx);
    else await this.refusal('anonymous', 'bad_refresh_token', ctx, 'auth.refresh');
  }

  private async revokeReused(sessionId: string, userId: string, ctx: RequestContext): Promise<void> {
    await this.sessions.revokeLive(sessionId, this.clock.now().toISOString());
    await this.audit.record({
      actor: 'anonymous',
      action: 'auth.refresh',
      subject: userId,
      outcome: 'refused',
      address: ctx.address,
      userAgent: ctx.userAgent,
      sessionId,
      detail: { reason: 'refresh_token_reused', revoked: sessionId },
    });
  }

  /** `<session id>.<random>.<MAC>`: the session can be told from a spent token, and the MAC shows the token was issued here. */
  private refreshTokenFor(sessionId: string): string {
    const body = `${sessionId}.${randomBytes(32).toString('base64url')}`;
    return `${body}.${this.refreshMac(body).toString('base64url')}`;
  }

  /** The session a genuine refresh token was issued for, or null for anything else. */
  private sessionOf(token: string): string | null {
    const cut = token.lastIndexOf('.');
    if (cut < 0) return null;
    const body = token.slice(0, cut);
    const mac = Buffer.from(token.slice(cut + 1), 'base64url');
    const expected = this.refreshMac(body);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
    return body.slice(0, body.indexOf('.'));
  }

  private refreshMac(body: string): Buffer {
    return createHmac('sha256', this.jwtKey).update(`liuhen-refresh-token:${body}`).digest();
  }

  async signOut(auth: Authenticated, ctx: RequestContext): Promise<void> {
    await this.sessions.revoke(auth.authSessionId, this.clock.now().toISOString());
    await this.audit.record({
      actor: `user:${auth.viewer.id}`,
      action: 'auth.sign_out',
      subject: auth.viewer.id,
      outcome: 'ok',
      address: ctx.address,
      userAgent: ctx.userAgent,
      sessionId: auth.authSessionId,
    });
  }

  /** Checks an access token: signature (HS256 only), issuer, audience, expiry, and that its session lives and was not idle too long. */
  async authenticate(token: string | undefined, ctx: RequestContext = { address: null, userAgent: null }): Promise<Authenticated> {
    if (!token) throw new NotAuthenticated();
    let claims: z.infer<typeof claimsSchema>;
    try {
      claims = claimsSchema.parse(jwt.verify(token, this.jwtKey, { algorithms: [ALGORITHM], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: Math.floor(this.clock.now().getTime() / 1000) }));
    } catch {
      throw new NotAuthenticated();
    }
    const session = await this.sessions.find(claims.sid);
    if (!session || session.revoked_at || session.user_id !== claims.sub) throw new NotAuthenticated();
    await this.endIfIdle(session, ctx);
    // An account removed or disabled since the token was issued: no identity, not a missing thing (401, not 404).
    const user = await this.users.find(claims.sub);
    if (user?.state !== 'active') throw new NotAuthenticated();
    const now = this.clock.now();
    if (now.getTime() - Date.parse(session.last_active_at ?? session.created_at) > Math.min(TOUCH_MS, this.idleMs / 10)) {
      await this.sessions.touch(session.id, now.toISOString());
    }
    return { viewer: viewerOf(user), authSessionId: claims.sid, mustChangePassword: user.must_change_password === 1 };
  }

  private issue(viewer: Viewer, sessionId: string, refreshToken: string, mustChangePassword: boolean): Tokens {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const exp = nowSeconds + ACCESS_MINUTES * 60;
    const accessToken = jwt.sign({ sub: viewer.id, sid: sessionId, iat: nowSeconds, exp }, this.jwtKey, { algorithm: ALGORITHM, issuer: ISSUER, audience: AUDIENCE });
    const { clearances: _c, ...user } = viewer;
    return { accessToken, accessExpiresAt: new Date(exp * 1000).toISOString(), refreshToken, user, mustChangePassword };
  }

  private async refusal(actor: string, reason: string, ctx: RequestContext, action: AuditAction = 'auth.sign_in', subject: string | null = null): Promise<void> {
    await this.audit.record({ actor, action, subject, outcome: 'refused', address: ctx.address, userAgent: ctx.userAgent, detail: { reason } });
  }
}
