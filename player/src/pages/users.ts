/**
 * #/users: the accounts of the agency. The admin creates one here (its password is generated and
 * shown once; a media role or a clearance waits for the security officer); the auditor and the
 * security officer read. Each row leads to the account's page.
 */
import '../accounts.css';
import { accountErrorText, createUser, getUsers, type UserView } from '../api-accounts.ts';
import { chosenClearances, clearanceSelect, oneTimePassword, roleSelect } from '../account-forms.ts';
import { accountStateText, clearancesText } from '../account-labels.ts';
import { caseForm, input } from '../case-forms.ts';
import { h } from '../dom.ts';
import { formatDateTime } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { chip } from '../labels.ts';
import { refreshList } from '../list-refresh.ts';
import { roleLabel } from '../roles.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';

const COLUMNS: MessageKey[] = ['users.col.badge', 'users.col.name', 'users.col.role', 'col.unit', 'users.col.clearances', 'col.state', 'users.col.lastSignIn', 'users.col.createdAt'];

const userHref = (id: string): string => `#/users/${encodeURIComponent(id)}`;

/** The account's state, and whether its password is a one-time one still to change. */
export function accountState(u: UserView): HTMLElement {
  const state = h('span', { class: `state state-${u.state}`, 'data-testid': 'account-state', 'data-state': u.state });
  setText(state, () => accountStateText(u.state));
  return h('span', {}, state, ...(u.mustChangePassword ? [' ', chip(() => t('users.mustChange'))] : []));
}

function row(u: UserView): HTMLTableRowElement {
  const href = userHref(u.id);
  const role = h('td');
  setText(role, () => roleLabel(u.role));
  const clearances = h('td');
  setText(clearances, () => clearancesText(u.clearances));
  const tr = h(
    'tr',
    { 'data-testid': 'user-row', 'data-user-id': u.id, 'data-badge': u.badge, class: 'clickable' },
    h('td', { class: 'mono' }, h('a', { href }, u.badge)),
    h('td', {}, u.name),
    role,
    h('td', {}, u.unit),
    clearances,
    h('td', {}, accountState(u)),
    h('td', { class: 'nowrap' }, formatDateTime(u.lastSignInAt)),
    h('td', { class: 'nowrap' }, formatDateTime(u.createdAt)),
  );
  tr.addEventListener('click', () => {
    location.hash = href;
  });
  return tr;
}

function createForm(signal: AbortSignal, shown: HTMLElement, onCreated: () => void): HTMLFormElement {
  const badge = input('text', { name: 'badge', required: '', autocomplete: 'off' });
  const name = input('text', { name: 'name', required: '' });
  const role = roleSelect();
  const unit = input('text', { name: 'unit', required: '' });
  const clearances = clearanceSelect();
  const form = caseForm(
    'users.new',
    [
      ['users.col.badge', badge],
      ['users.col.name', name],
      ['users.col.role', role],
      ['col.unit', unit],
      ['users.col.clearances', clearances],
    ],
    async () => {
      const made = await createUser(
        { badge: badge.value.trim(), name: name.value.trim(), role: role.value as UserView['role'], unit: unit.value.trim(), clearances: chosenClearances(clearances) },
        signal,
      );
      const heading = h('p');
      setText(heading, () => t('users.created', { badge: made.user.badge, name: made.user.name }));
      shown.replaceChildren(heading, oneTimePassword(made.password, 'users.mustChangeNote', ...(made.grant ? (['users.awaitsApproval'] as const) : [])));
      shown.dataset.userId = made.user.id;
      shown.hidden = false;
      form.reset();
      onCreated();
    },
    'user-create',
    accountErrorText,
  );
  return form;
}

export function usersPage({ root, signal }: PageContext): void {
  const admin = currentUser()?.role === 'admin';
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  const body = h('tbody');
  const created = h('section', { class: 'card', 'data-testid': 'user-created', hidden: '' });
  const refresh: () => Promise<void> = refreshList({
    signal,
    target: body,
    status,
    load: async () => (await getUsers(signal)).users,
    render: row,
    emptyText: () => t('users.empty'),
    errorText: accountErrorText,
  });
  root.append(
    h('h1', {}, label('users.title')),
    admin ? createForm(signal, created, () => void refresh()) : h('p', { class: 'notice' }, label('users.readOnly')),
    created,
    h('div', { class: 'table-scroll' }, h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map((key) => h('th', {}, label(key))))), body)),
    status,
  );
}
