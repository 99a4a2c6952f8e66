/** The pieces the users pages share: the role and clearance pickers, and a one-time password shown once. */
import { select } from './case-forms.ts';
import { h } from './dom.ts';
import { label, type MessageKey } from './i18n.ts';
import { confidentialityText } from './labels.ts';
import { roleLabel } from './roles.ts';
import type { Confidentiality, Role } from './types.ts';

// Records, so that a role or label added to the types must be added here too.
const ROLE_SET: Record<Role, true> = {
  commander: true,
  reviewer: true,
  custodian: true,
  auditor: true,
  admin: true,
  party: true,
  agency_head: true,
  legal: true,
  security_officer: true,
};
const CLEARANCE_SET: Record<Confidentiality, true> = { state_secret: true, trade_secret: true, privacy: true };
const ROLES = Object.keys(ROLE_SET) as Role[];
const CLEARANCES = Object.keys(CLEARANCE_SET) as Confidentiality[];

export function roleSelect(current?: Role): HTMLSelectElement {
  const s = select(ROLES, roleLabel);
  s.name = 'role';
  if (current !== undefined) s.value = current;
  return s;
}

/** A multiple select: none chosen is no clearance. */
export function clearanceSelect(current: readonly Confidentiality[] = []): HTMLSelectElement {
  const s = select(CLEARANCES, confidentialityText);
  s.name = 'clearances';
  s.multiple = true;
  s.size = CLEARANCES.length;
  for (const option of s.options) option.selected = current.includes(option.value as Confidentiality);
  return s;
}

export function chosenClearances(s: HTMLSelectElement): Confidentiality[] {
  return [...s.selectedOptions].map((o) => o.value as Confidentiality);
}

/**
 * A generated password as the admin sees it: once, on this page only. It is never stored in the
 * player; leaving the page forgets it.
 */
export function oneTimePassword(password: string, ...notes: MessageKey[]): HTMLElement {
  return h(
    'div',
    { class: 'one-time-password' },
    h('p', {}, label('users.oneTimePassword'), ' ', h('code', { class: 'mono', 'data-testid': 'one-time-password' }, password)),
    ...notes.map((key) => h('p', { class: 'notice' }, label(key))),
  );
}
