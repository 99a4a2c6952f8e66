/**
 * Grants: an administrator's proposal of a role and clearances for an account (on creating it,
 * changing it, or enabling it again), which a security officer approves or rejects. Who may decide
 * is account-policy.ts's; here a grant is decided once (the UPDATE takes only a proposal, so two
 * officers deciding at once cannot both win) and its approval applied to the account.
 */
import type { AuditLog } from '../audit/audit-log.ts';
import type { Repositories } from '../db/repositories.ts';
import type { Confidentiality, Grant, GrantKind, GrantState, Role } from '../db/schema.ts';
import type { GrantDecision, UserRepository } from '../db/user-repository.ts';
import { newId } from '../ids.ts';
import type { AccountGrant } from '../policy/account-policy.ts';
import { GrantDecided, GrantNotFound } from './account-errors.ts';
import { type Clock, systemClock } from '../clock.ts';

export interface PersonRef {
  id: string;
  badge: string;
  name: string;
}

export interface GrantView {
  id: string;
  userId: string;
  userBadge: string;
  userName: string;
  kind: GrantKind;
  role: Role;
  clearances: Confidentiality[];
  state: GrantState;
  proposedBy: PersonRef;
  proposedAt: string;
  decidedBy: PersonRef | null;
  decidedAt: string | null;
  reason: string | null;
}

export class Grants {
  private readonly users: UserRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly clock: Clock = systemClock,
  ) {
    this.users = repos.users;
  }

  async propose(userId: string, kind: GrantKind, grant: AccountGrant, actor: string): Promise<GrantView> {
    const row: Grant = {
      id: newId('gr'),
      user_id: userId,
      kind,
      role: grant.role,
      clearances: JSON.stringify(grant.clearances),
      state: 'proposed',
      proposed_by: actor,
      proposed_at: this.clock.now().toISOString(),
      decided_by: null,
      decided_at: null,
      reason: null,
    };
    await this.users.proposeGrant(row);
    await this.audit.record({ actor, action: 'grant.propose', subject: userId, object: row.id, outcome: 'ok', detail: { kind, role: grant.role, clearances: grant.clearances } });
    return this.view(row.id);
  }

  async view(id: string): Promise<GrantView> {
    return (await this.views([await this.get(id)]))[0]!;
  }

  async get(id: string): Promise<Grant> {
    const g = await this.users.findGrant(id);
    if (!g) throw new GrantNotFound(id);
    return g;
  }

  /** Newest first. */
  async list(state?: GrantState): Promise<GrantView[]> {
    return this.views(await this.users.grants(state));
  }

  /**
   * Approves a proposal and applies it: the role and clearances, and the account becomes active if
   * it was created or enabled by this grant (a disabled account stays disabled under a change).
   */
  async approve(id: string, actor: string): Promise<GrantView> {
    const at = this.clock.now().toISOString();
    await this.users.transaction(async (r) => {
      const g = await this.decide(r, id, { state: 'approved', decided_by: actor, decided_at: at });
      const state = await r.stateOf(g.user_id);
      // A reset gives nothing: the account keeps what it holds now (accounts.ts makes the password).
      if (g.kind === 'reset') return;
      const opens = g.kind === 'enable' ? state === 'disabled' : g.kind === 'create' && state === 'awaiting_approval';
      await r.hold(g.user_id, { role: g.role, clearances: g.clearances, ...(opens ? { state: 'active' } : {}) });
    });
    const g = await this.get(id);
    await this.audit.record({ actor, action: 'grant.approve', subject: g.user_id, object: id, outcome: 'ok', detail: { kind: g.kind, role: g.role, clearances: JSON.parse(g.clearances) as unknown } });
    return this.view(id);
  }

  /** Rejects a proposal; an account whose creation is rejected is disabled (kept, like every account). */
  async reject(id: string, reason: string, actor: string): Promise<GrantView> {
    const at = this.clock.now().toISOString();
    await this.users.transaction(async (r) => {
      const g = await this.decide(r, id, { state: 'rejected', decided_by: actor, decided_at: at, reason });
      if (g.kind === 'create') await r.disableUnapproved(g.user_id);
    });
    const g = await this.get(id);
    await this.audit.record({ actor, action: 'grant.reject', subject: g.user_id, object: id, outcome: 'ok', detail: { kind: g.kind, reason } });
    return this.view(id);
  }

  private async decide(tx: UserRepository, id: string, decision: GrantDecision): Promise<Grant> {
    const decided = await tx.decideGrant(id, decision);
    if (decided) return decided;
    // Inside the transaction, only `tx` answers (SQLite has one connection).
    throw (await tx.grantExists(id)) ? new GrantDecided(id) : new GrantNotFound(id);
  }

  private async views(rows: Grant[]): Promise<GrantView[]> {
    const actorIds = rows
      .flatMap((g) => [g.proposed_by, g.decided_by])
      .filter((a): a is string => a?.startsWith('user:') ?? false)
      .map((a) => a.slice(5));
    const ids = [...new Set([...rows.map((g) => g.user_id), ...actorIds])];
    const people = new Map(ids.length === 0 ? [] : (await this.users.people(ids)).map((u) => [u.id, u] as const));
    // The operator's command line has no account: it is named by its actor (`cli:<login>`).
    const person = (actor: string): PersonRef => (actor.startsWith('user:') ? people.get(actor.slice(5)) : undefined) ?? { id: actor, badge: '', name: actor };
    return rows.map((g) => ({
      id: g.id,
      userId: g.user_id,
      userBadge: people.get(g.user_id)?.badge ?? '',
      userName: people.get(g.user_id)?.name ?? '',
      kind: g.kind,
      role: g.role,
      clearances: JSON.parse(g.clearances) as Confidentiality[],
      state: g.state,
      proposedBy: person(g.proposed_by),
      proposedAt: g.proposed_at,
      decidedBy: g.decided_by ? person(g.decided_by) : null,
      decidedAt: g.decided_at,
      reason: g.reason,
    }));
  }
}
