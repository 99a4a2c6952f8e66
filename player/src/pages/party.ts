/**
 * #/party: a party's view and copy requests (000 §21, 001 §36) — a form for a new one, the list
 * with each one's state and scope, the way into the viewing room, and copies when allowed. Staff
 * asking on a party's behalf use the same form with the party's number.
 */
import { createPartyRequest, createRoom, downloadCopy, getPartyRequests, type PartyRequest, partyErrorText, requestCopy } from '../api-party.ts';
import { h } from '../dom.ts';
import { field } from '../form-field.ts';
import { refreshList } from '../list-refresh.ts';
import { formatDateTime } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { requestKindText, requestStateText, windowText } from '../party-labels.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';

const REFRESH_MS = 5000;

const COLUMNS: MessageKey[] = ['party.col.id', 'party.col.kind', 'party.col.recordings', 'party.col.state', 'party.col.window', 'party.col.viewings', 'party.col.actions'];

function button(text: () => string, onClick: () => Promise<void>, problem: HTMLElement, testid: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'secondary', 'data-testid': testid });
  setText(b, text);
  b.addEventListener('click', () => {
    b.disabled = true;
    problem.hidden = true;
    onClick()
      .catch((err: unknown) => {
        problem.hidden = false;
        setText(problem, () => partyErrorText(err));
      })
      .finally(() => {
        b.disabled = false;
      });
  });
  return b;
}

function windowOpen(r: PartyRequest): boolean {
  const now = Date.now();
  return r.state === 'approved' && r.windowFrom !== null && r.windowUntil !== null && Date.parse(r.windowFrom) <= now && now < Date.parse(r.windowUntil);
}

export function partyPage({ root, signal }: PageContext): void {
  const isParty = currentUser()?.role === 'party';
  const kind = h('select', { name: 'kind' }, h('option', { value: 'view' }), h('option', { value: 'copy' }));
  setText(kind.options[0]!, () => t('party.kind.view'));
  setText(kind.options[1]!, () => t('party.kind.copy'));
  const recordingIds = h('input', { name: 'recordingIds', size: '60', required: '' });
  const reason = h('textarea', { name: 'reason', rows: '3', cols: '60', maxlength: '2000', required: '' });
  const partyBadge = h('input', { name: 'partyBadge', size: '20' });
  const submit = h('button', { type: 'submit', class: 'primary' }, label('party.submit'));
  const formStatus = h('p', { class: 'notice', hidden: '' });
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'party-request-form' },
    h('h2', {}, label('party.new')),
    h('div', { class: 'filters' }, field('party.kind', kind), field('party.recordingIds', recordingIds), ...(isParty ? [] : [field('party.partyBadge', partyBadge)])),
    h('div', { class: 'filters' }, field('party.reason', reason), submit),
    formStatus,
  );

  const body = h('tbody');
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  const problem = h('p', { class: 'notice error', hidden: '' });
  root.append(
    h('h1', {}, label('party.title')),
    form,
    h('h2', {}, label('party.mine')),
    problem,
    h('div', { class: 'table-scroll' }, h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map((key) => h('th', {}, label(key))))), body)),
    status,
  );

  const actions = (r: PartyRequest): HTMLElement => {
    const cell = h('td', { class: 'nowrap' });
    if (r.activeRoom !== null) {
      cell.append(h('a', { href: `#/rooms/${r.activeRoom.roomId}`, 'data-testid': 'enter-room' }, label('party.enterRoom')));
    } else if (windowOpen(r) && r.viewingsLeft > 0) {
      cell.append(
        button(
          () => t('party.enterRoom'),
          async () => {
            const room = await createRoom(r.requestId, signal);
            location.hash = `#/rooms/${room.roomId}`;
          },
          problem,
          'enter-room',
        ),
      );
    }
    if (isParty && r.kind === 'copy' && r.copyAllowed === true && windowOpen(r)) {
      for (const rec of r.recordings.filter((x) => x.approved === true)) {
        const copy = r.copies.find((c) => c.recordingId === rec.recordingId);
        if (copy === undefined) {
          cell.append(
            button(
              () => t('party.requestCopy', { recording: rec.recordingId }),
              async () => {
                await requestCopy(r.requestId, rec.recordingId, signal);
                await refresh();
              },
              problem,
              'request-copy',
            ),
          );
        } else if (copy.ready) {
          cell.append(
            button(
              () => t('party.download', { recording: rec.recordingId }),
              () => downloadCopy(copy.exportId, signal),
              problem,
              'download-copy',
            ),
          );
        } else {
          const pending = h('span', { class: 'notice' });
          setText(pending, () => t('party.copyPending', { recording: rec.recordingId }));
          cell.append(pending);
        }
      }
    }
    return cell;
  };

  const row = (r: PartyRequest): HTMLTableRowElement => {
    const chip = h('span', { class: `state state-${r.state}` });
    setText(chip, () => requestStateText(r.state));
    const state = h('td', {}, chip);
    if (r.decisionNote !== null) {
      const note = h('div', { class: 'notice' });
      setText(note, () => t('party.note', { note: r.decisionNote ?? '' }));
      state.append(note);
    }
    const kindCell = h('td');
    setText(kindCell, () => requestKindText(r.kind));
    const windowCell = h('td', { class: 'nowrap' });
    setText(windowCell, () => windowText(r.windowFrom, r.windowUntil));
    const recordings = h(
      'td',
      { class: 'mono' },
      ...r.recordings.map((rec) => {
        const line = h('div', { 'data-approved': String(rec.approved) });
        setText(line, () => `${rec.recordingId}${rec.redacted ? t('party.redacted') : ''}`);
        return line;
      }),
    );
    return h(
      'tr',
      { 'data-testid': 'party-request-row', 'data-request-id': r.requestId, 'data-state': r.state },
      h('td', { class: 'mono', title: formatDateTime(r.createdAt) }, r.requestId),
      kindCell,
      recordings,
      state,
      windowCell,
      h('td', { class: 'num' }, r.state === 'approved' ? String(r.viewingsLeft) : ''),
      actions(r),
    );
  };

  const refresh = refreshList({
    signal,
    target: body,
    status,
    load: async () => (await getPartyRequests(signal)).requests,
    render: row,
    emptyText: () => t('party.empty'),
    errorText: partyErrorText,
    everyMs: REFRESH_MS,
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    const ids = recordingIds.value.split(/[\s,，]+/).filter((s) => s !== '');
    createPartyRequest({ kind: kind.value as 'view' | 'copy', recordingIds: ids, reason: reason.value, ...(partyBadge.value.trim() ? { partyBadge: partyBadge.value.trim() } : {}) }, signal)
      .then(
        async () => {
          form.reset();
          formStatus.hidden = false;
          formStatus.classList.remove('error');
          setText(formStatus, () => t('party.submitted'));
          await refresh();
        },
        (err: unknown) => {
          formStatus.hidden = false;
          formStatus.classList.add('error');
          setText(formStatus, () => partyErrorText(err));
        },
      )
      .finally(() => {
        submit.disabled = false;
      });
  });
}
