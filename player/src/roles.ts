import { hasMessage, t, type MessageKey } from './i18n.ts';
import type { Role } from './types.ts';

/** Where each role lands after sign-in; roles without a viewing page get one saying so. */
const HOME: Record<Role, string> = {
  commander: '#/wall',
  reviewer: '#/recordings',
  custodian: '#/recordings',
  auditor: '#/audit',
  admin: '#/devices',
  party: '#/party',
  agency_head: '#/approvals',
  legal: '#/analytics',
  security_officer: '#/account-grants',
};

export function homeFor(role: Role): string {
  // `??`: a role added on the server before this player knows it.
  return HOME[role] ?? '#/nothing';
}

/** The header's links. Only a convenience: the server decides what each role may see. */
const NAV: Partial<Record<Role, { href: string; key: MessageKey }[]>> = {
  commander: [
    { href: '#/wall', key: 'nav.wall' },
    { href: '#/recordings', key: 'nav.recordings' },
    { href: '#/cases', key: 'nav.cases' },
    { href: '#/party', key: 'nav.party' },
    { href: '#/devices', key: 'nav.devices' },
  ],
  reviewer: [
    { href: '#/recordings', key: 'nav.recordings' },
    { href: '#/cases', key: 'nav.cases' },
  ],
  custodian: [
    { href: '#/recordings', key: 'nav.recordings' },
    { href: '#/cases', key: 'nav.cases' },
    { href: '#/rooms', key: 'nav.rooms' },
    { href: '#/party', key: 'nav.party' },
    { href: '#/devices', key: 'nav.devices' },
  ],
  admin: [
    { href: '#/users', key: 'nav.users' },
    { href: '#/devices', key: 'nav.devices' },
  ],
  auditor: [
    { href: '#/audit', key: 'nav.audit' },
    { href: '#/analytics', key: 'nav.analytics' },
    { href: '#/users', key: 'nav.users' },
  ],
  security_officer: [{ href: '#/account-grants', key: 'nav.accountGrants' }],
  party: [{ href: '#/party', key: 'nav.party' }],
  agency_head: [
    { href: '#/approvals', key: 'nav.approvals' },
    { href: '#/cases', key: 'nav.cases' },
    { href: '#/analytics', key: 'nav.analytics' },
  ],
  legal: [
    { href: '#/analytics', key: 'nav.analytics' },
    { href: '#/cases', key: 'nav.cases' },
  ],
};

export function navFor(role: Role): { href: string; key: MessageKey }[] {
  return NAV[role] ?? [];
}

export function roleLabel(role: Role): string {
  const key = `role.${role}`;
  return hasMessage(key) ? t(key) : role;
}
