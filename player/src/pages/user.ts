/**
 * #/users/:id: one account, its sign-ins and its audit events. The admin acts on it here: a reset
 * (a new one-time password, every session ends), disabling with a reason (its sessions end at
 * once) or enabling, and a change of role or clearances, which a security officer must approve
 * whenever it opens media. Nothing is deleted: a disabled account keeps its history.
 */
import '../accounts.css';
import { type AccountHistory, accountErrorText, type ChangeOutcome, disableUser, enableUser, getHistory, getUsers, proposeGrant, resetPassword, type UserView } from '../api-accounts.ts';
import { chosenClearances, clearanceSelect, oneTimePassword, roleSelect } from '../account-forms.ts';
import { clearancesText } from '../account-labels.ts';
import { caseForm, input } from '../case-forms.ts';
import { h } from '../dom.ts';
import { DASH, formatDateTime } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { infoList } from '../info-list.ts';
import { outcomeText } from '../labels.ts';
import { roleLabel } from '../roles.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';
import { COLUMNS as AUDIT_COLUMNS, row as auditRow } from './audit.ts';
import { accountState } from './users.ts';

function table(columns: [MessageKey, string][], rows: HTMLTableRowElement[], testId: string): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h('table', { class: 'data-table audit-table', 'data-testid': testId }, h('thead', {}, h('tr', {}, ...columns.map(([key, c]) => h('th', { class: c }, label(key))))), h('tbody', {}, ...rows)),
  );
}

function facts(u: UserView): HTMLElement {
  const dl = infoList([
    ['users.col.badge', () => u.badge],
    ['users.col.name', () => u.name],
    ['users.col.role', () => roleLabel(u.role)],
    ['col.unit', () => u.unit],
    ['users.col.clearances', () => clearancesText(u.clearances)],
    ['users.col.lastSignIn', () => formatDateTime(u.lastSignInAt)],
    ['users.col.createdAt', () => formatDateTime(u.createdAt)],
  ]);
  dl.append(h('dt', {}, label('col.state')), h('dd', {}, accountState(u)));
  return h('div', { class: 'card', 'data-testid': 'user-facts' }, dl);
}

function history(hist: AccountHistory): Node[] {
  const signIns = hist.signIns.map((s) => {
    const outcome = h('span', { class: `outcome outcome-${s.outcome}` });
    setText(outcome, () => outcomeText(s.outcome));
    return h('tr', { 'data-testid': 'sign-in-row' }, h('td', { class: 'nowrap' }, formatDateTime(s.at)), h('td', {}, outcome), h('td', {}, s.address ?? DASH));
  });
  const empty = (key: MessageKey, rows: unknown[]): Node[] => (rows.length === 0 ? [h('p', { class: 'notice' }, label(key))] : []);
  return [
    h('h2', {}, label('user.signIns')),
    table(
      [
        ['audit.at', ''],
        ['audit.outcome', ''],
        ['audit.address', ''],
      ],
      signIns,
      'user-sign-ins',
    ),
    ...empty('user.signIns.empty', signIns),
    h('h2', {}, label('user.events')),
    table(AUDIT_COLUMNS, hist.events.map(auditRow), 'user-events'),
    ...empty('user.events.empty', hist.events),
  ];
}

/** The admin's acts; each says what came of it in `said` and then shows the account afresh. */
function actions(u: UserView, signal: AbortSignal, say: (...nodes: Node[]) => void, reload: () => void): HTMLElement {
  const sentence = (key: MessageKey): HTMLElement => h('p', { 'data-testid': 'user-outcome', 'data-outcome': key }, label(key));
  const changed = (outcome: ChangeOutcome, applied: MessageKey, proposed: MessageKey): void => say(sentence('grant' in outcome ? proposed : applied));

  const reset = caseForm(
    'user.reset',
    [],
    async () => {
      const outcome = await resetPassword(u.id, signal);
      if ('grant' in outcome) say(sentence('user.resetProposed'));
      else say(sentence('user.resetDone'), oneTimePassword(outcome.password, 'users.mustChangeNote'));
      reload();
    },
    'user-reset',
    accountErrorText,
  );
  reset.querySelector('h3')?.after(h('p', { class: 'notice' }, label('user.resetHint')));

  const reason = input('text', { name: 'reason', required: '', maxlength: '500' });
  const toggle =
    u.state === 'disabled'
      ? caseForm(
          'user.enable',
          [],
          async () => {
            changed(await enableUser(u.id, signal), 'user.enabled', 'user.enableProposed');
            reload();
          },
          'user-enable',
          accountErrorText,
        )
      : caseForm(
          'user.disable',
          [['user.disableReason', reason]],
          async () => {
            await disableUser(u.id, reason.value.trim(), signal);
            say(sentence('user.disabled'));
            reload();
          },
          'user-disable',
          accountErrorText,
        );

  const role = roleSelect(u.role);
  const clearances = clearanceSelect(u.clearances);
  const change = caseForm(
    'user.change',
    [
      ['users.col.role', role],
      ['users.col.clearances', clearances],
    ],
    async () => {
      changed(await proposeGrant(u.id, { role: role.value as UserView['role'], clearances: chosenClearances(clearances) }, signal), 'user.changeApplied', 'user.changeProposed');
      reload();
    },
    'user-change',
    accountErrorText,
  );

  return h('div', { class: 'account-actions' }, reset, toggle, change);
}

export function userPage({ root, signal, params }: PageContext): void {
  const id = params[0] ?? '';
  const me = currentUser();
  const title = h('h1');
  // What the last act gave (a one-time password among it): kept while the account is shown afresh.
  const said = h('section', { class: 'card', 'data-testid': 'user-said', hidden: '' });
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  const shown = h('div');
  root.append(h('a', { href: '#/users', class: 'back' }, label('user.back')), title, said, status, shown);

  const say = (...nodes: Node[]): void => {
    said.replaceChildren(...nodes);
    said.hidden = false;
  };
  const show = async (): Promise<void> => {
    try {
      const [{ users }, hist] = await Promise.all([getUsers(signal), getHistory(id, signal)]);
      const u = users.find((x) => x.id === id);
      if (u === undefined) {
        setText(status, () => t('user.notFound'));
        return;
      }
      status.hidden = true;
      title.textContent = `${u.name}（${u.badge}）`;
      // An admin does not manage their own account (the server refuses it too).
      const manages = me?.role === 'admin' && me.id !== u.id;
      shown.replaceChildren(facts(u), ...(manages ? [actions(u, signal, say, () => void show())] : []), ...history(hist));
    } catch (err) {
      if (signal.aborted) return;
      status.hidden = false;
      status.classList.add('error');
      setText(status, () => accountErrorText(err));
    }
  };
  void show();
}
