/**
 * Who may change accounts, and what takes two people (三员分立, GB/T 22239-2019). The admin (系统
 *管理员) creates accounts, resets and disables them; a `security_officer` (安全管理员) approves
 * what opens media or oversight: a media role, a clearance, the security officer's or auditor's
 * role, or enabling such an account again; the auditor (审计管理员) reads and changes nothing. No
 * one decides on their own account, and whoever proposed a grant does not approve it, so no single
 * person can both create an account and give it media — not to a second badge of their own either.
 * The operator's command line follows the same rule once a security officer exists
 * (server/cli/users-command.ts).
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { Confidentiality, Role } from '../db/schema.ts';
import type { Decision } from './policy.ts';

/** Roles that replay or watch media, or decide who else may (a party's view is the agency head's decision). */
const MEDIA_ROLES: readonly Role[] = ['commander', 'custodian', 'reviewer', 'party', 'agency_head'];
/** The administrators who watch the admin: the admin must not make themselves one under another badge. */
const OVERSIGHT_ROLES: readonly Role[] = ['security_officer', 'auditor'];

const ALLOW: Decision = { allow: true };
const deny = (reason: string): Decision => ({ allow: false, reason });

export interface AccountGrant {
  role: Role;
  clearances: readonly Confidentiality[];
}

/** Whether an account with `grant` may be created, or enabled, by one administrator. */
export function mayGrantAlone(grant: AccountGrant): Decision {
  if (MEDIA_ROLES.includes(grant.role)) return deny(`role ${grant.role} sees media: a security officer must approve it`);
  if (OVERSIGHT_ROLES.includes(grant.role)) return deny(`role ${grant.role} oversees the administrator: a security officer must approve it`);
  if (grant.clearances.length > 0) return deny('clearances are granted only with a security officer’s approval');
  return ALLOW;
}

/** Whether changing an account from `from` to `to` may be done by one administrator: taking away is, giving is not. */
export function mayChangeAlone(from: AccountGrant, to: AccountGrant): Decision {
  const added = to.clearances.filter((c) => !from.clearances.includes(c));
  if (to.role !== from.role) {
    const role = mayGrantAlone({ role: to.role, clearances: [] });
    if (!role.allow) return role;
  }
  return added.length > 0 ? deny(`adding clearance ${added.join(', ')} needs a security officer’s approval`) : ALLOW;
}

/** Reading accounts and their history: the three administrators (the auditor only reads). */
export function mayReadAccounts(v: Viewer): Decision {
  return v.role === 'admin' || v.role === 'security_officer' || v.role === 'auditor' ? ALLOW : deny(`role ${v.role} does not read accounts`);
}

/** Creating, changing, resetting, disabling and enabling accounts: the admin's, never on their own account. */
export function mayManageAccount(v: Viewer, subjectId: string | null): Decision {
  if (v.role !== 'admin') return deny(`role ${v.role} does not manage accounts`);
  return subjectId === v.id ? deny('an administrator does not manage their own account') : ALLOW;
}

export interface GrantFacts {
  userId: string;
  proposedBy: string;
}

export function mayDecideGrants(v: Viewer): Decision {
  return v.role === 'security_officer' ? ALLOW : deny(`role ${v.role} does not decide grants`);
}

/** Approving or rejecting a grant: a security officer who neither proposed it nor receives it. */
export function mayDecideGrant(v: Viewer, g: GrantFacts): Decision {
  const role = mayDecideGrants(v);
  if (!role.allow) return role;
  if (g.userId === v.id) return deny('a grant for one’s own account is decided by another security officer');
  return g.proposedBy === `user:${v.id}` ? deny('the proposer of a grant does not decide it') : ALLOW;
}
