/**
 * What an administrator may give an account on their own. Media, and the power to open media to
 * others, is never one person's gift (三员分立, GB/T 22239-2019): the admin who creates an account
 * must not also be able to hand it — or themselves, under a second badge — replay. Until a
 * `security_officer` approves grants, the admin alone creates only accounts that see no media and
 * carry no clearance; `liuhen user add` on the server (the operator bootstrapping) is not bound.
 */
import type { Confidentiality, Role } from '../db/schema.ts';
import { LiuhenError } from '../errors.ts';
import type { Decision } from './policy.ts';

/** Roles that replay or watch media, or decide who else may (a party's view is the agency head's decision). */
const MEDIA_ROLES: readonly Role[] = ['commander', 'custodian', 'reviewer', 'party', 'agency_head'];

export interface AccountGrant {
  role: Role;
  clearances: readonly Confidentiality[];
}

/** Whether an account with `grant` may be created, or an account changed to it, by one administrator. */
export function mayGrantAlone(grant: AccountGrant): Decision {
  if (MEDIA_ROLES.includes(grant.role)) return { allow: false, reason: `role ${grant.role} sees media: a security officer must approve it` };
  if (grant.clearances.length > 0) return { allow: false, reason: 'clearances are granted only with a security officer’s approval' };
  return { allow: true };
}

/** A grant refused for want of the second person (403 `needs_security_officer`): the client can say who to ask. */
export class NeedsSecurityOfficer extends LiuhenError {
  constructor(readonly reason: string) {
    super('needs_security_officer', reason);
  }
}
