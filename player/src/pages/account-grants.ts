/**
 * #/account-grants: the security officer's decisions on what admins proposed (a new account with
 * a media role or a clearance, a change of them, re-enabling such an account). Not to be confused
 * with #/approvals, the agency head's decisions on parties' requests. The admin and the auditor
 * read; the server refuses the proposer's own approval, and says so here.
 */
import '../accounts.css';
import { accountErrorText, approveGrant, getGrants, type GrantState, type GrantView, rejectGrant } from '../api-accounts.ts';
import { oneTimePassword } from '../account-forms.ts';
import { clearancesText, grantKindText, grantStateText } from '../account-labels.ts';
import { select } from '../case-forms.ts';
import { h } from '../dom.ts';
import { field } from '../form-field.ts';
import { formatDateTime } from '../format.ts';
import { label, setText, t } from '../i18n.ts';
import { infoList } from '../info-list.ts';
import { refreshList } from '../list-refresh.ts';
import { roleLabel } from '../roles.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';

const STATES: GrantState[] = ['proposed', 'approved', 'rejected'];

function line(text: () => string, attrs: Record<string, string> = {}): HTMLElement {
  const p = h('p', attrs);
  setText(p, text);
  return p;
}

/** `onDecided`: with the one-time password an approved reset answers, to show its approver once. */
function decisionControls(g: GrantView, signal: AbortSignal, onDecided: (password?: string) => void): HTMLElement {
  const reason = h('input', { name: 'reason', size: '40', maxlength: '500' });
  const approve = h('button', { type: 'button', class: 'primary', 'data-testid': 'grant-approve' }, label('grants.approve'));
  const reject = h('button', { type: 'button', class: 'secondary', 'data-testid': 'grant-reject' }, label('grants.reject'));
  const problem = h('p', { class: 'form-error', 'data-testid': 'grant-error', hidden: '' });
  const refuse = (text: () => string): void => {
    problem.hidden = false;
    setText(problem, text);
  };
  const decide = (act: Promise<{ grant: GrantView; password?: string }>): void => {
    approve.disabled = reject.disabled = true;
    problem.hidden = true;
    act.then(
      ({ password }) => onDecided(password),
      (err: unknown) => {
        refuse(() => accountErrorText(err));
        approve.disabled = reject.disabled = false;
      },
    );
  };
  approve.addEventListener('click', () => decide(approveGrant(g.id, signal)));
  reject.addEventListener('click', () => {
    if (!reason.value.trim()) {
      refuse(() => t('user.reasonRequired'));
      return;
    }
    decide(rejectGrant(g.id, reason.value.trim(), signal));
  });
  return h('div', {}, h('div', { class: 'filters' }, approve, field('grants.reason', reason), reject), problem);
}

function grantCard(g: GrantView, officer: boolean, signal: AbortSignal, onDecided: (password?: string) => void): HTMLElement {
  const state = h('span', { class: `state state-${g.state}` });
  setText(state, () => grantStateText(g.state));
  const heading = h('h2');
  setText(heading, () => t('grants.heading', { kind: grantKindText(g.kind), name: g.userName, badge: g.userBadge }));
  const decided = g.decidedBy;
  return h(
    'section',
    { class: 'card', 'data-testid': 'grant-card', 'data-grant-id': g.id, 'data-user-id': g.userId, 'data-state': g.state },
    heading,
    infoList([
      ['users.col.role', () => roleLabel(g.role)],
      ['users.col.clearances', () => clearancesText(g.clearances)],
    ]),
    line(() => t('grants.proposed', { name: g.proposedBy.name, badge: g.proposedBy.badge, at: formatDateTime(g.proposedAt) }), { class: 'notice' }),
    h('p', {}, state),
    ...(decided === null ? [] : [line(() => t('grants.decided', { state: grantStateText(g.state), name: decided.name, badge: decided.badge, at: formatDateTime(g.decidedAt) }))]),
    ...(g.reason === null ? [] : [line(() => t('grants.reasonShown', { reason: g.reason ?? '' }))]),
    ...(officer && g.state === 'proposed' ? [decisionControls(g, signal, onDecided)] : []),
  );
}

export function accountGrantsPage({ root, signal }: PageContext): void {
  const officer = currentUser()?.role === 'security_officer';
  const which = select(STATES, grantStateText);
  which.name = 'state';
  const list = h('div', { class: 'approval-list' });
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  // An approved reset's one-time password, kept above the list that refreshes under it.
  const handOver = h('div', { 'data-testid': 'grant-hand-over' });
  root.append(h('h1', {}, label('grants.title')), h('p', { class: 'notice' }, label('grants.hint')), h('div', { class: 'filters' }, field('grants.show', which)), handOver, status, list);

  const refresh: () => Promise<void> = refreshList({
    signal,
    target: list,
    status,
    load: async () => (await getGrants(which.value as GrantState, signal)).grants,
    render: (g) =>
      grantCard(g, officer, signal, (password) => {
        if (password !== undefined)
          handOver.replaceChildren(
            line(() => t('grants.resetPassword', { name: g.userName, badge: g.userBadge })),
            oneTimePassword(password, 'grants.handOver'),
          );
        void refresh();
      }),
    emptyText: () => t('grants.empty'),
    errorText: accountErrorText,
  });
  which.addEventListener('change', () => void refresh());
}
