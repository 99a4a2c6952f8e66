/**
 * #/rooms: the custodian's list of the unit's viewing rooms waiting for a supervisor or running
 * (004 §18), with the supervisor's buttons. Refreshed every few seconds: a party may make a room
 * at any time.
 */
import { getRooms, partyErrorText, type Room } from '../api-party.ts';
import { h } from '../dom.ts';
import { refreshList } from '../list-refresh.ts';
import { DASH, formatDateTime } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { roomStateText } from '../party-labels.ts';
import { roomControls } from '../room-controls.ts';
import type { PageContext } from '../router.ts';

const REFRESH_MS = 2000;
const COLUMNS: MessageKey[] = [
  'party.rooms.col.room',
  'party.rooms.col.party',
  'party.rooms.col.state',
  'party.rooms.col.created',
  'party.rooms.col.supervisor',
  'party.rooms.col.viewings',
  'party.rooms.col.actions',
];

export function roomsPage({ root, signal }: PageContext): void {
  const body = h('tbody');
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  const problem = h('p', { class: 'form-error', hidden: '' });
  root.append(
    h('h1', {}, label('party.rooms.title')),
    problem,
    h('div', { class: 'table-scroll' }, h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map((key) => h('th', {}, label(key))))), body)),
    status,
  );

  const row = (room: Room): HTMLTableRowElement => {
    const state = h('span', { class: `state state-${room.state}` });
    setText(state, () => roomStateText(room.state));
    return h(
      'tr',
      { 'data-testid': 'room-row', 'data-room-id': room.roomId, 'data-state': room.state },
      h('td', { class: 'mono' }, h('a', { href: `#/rooms/${room.roomId}` }, room.roomId)),
      h('td', {}, room.party ? `${room.party.name}（${room.party.badge}）` : DASH),
      h('td', {}, state),
      h('td', { class: 'nowrap' }, formatDateTime(room.createdAt)),
      h('td', {}, room.supervisor?.name ?? DASH),
      h('td', { class: 'num' }, String(room.viewingsLeft)),
      h(
        'td',
        { class: 'nowrap' },
        roomControls(room, signal, problem, () => void refresh()),
      ),
    );
  };

  const refresh = refreshList({
    signal,
    target: body,
    status,
    load: async () => (await getRooms(['waiting', 'open', 'paused'], signal)).rooms,
    render: row,
    emptyText: () => t('party.rooms.empty'),
    errorText: partyErrorText,
    everyMs: REFRESH_MS,
  });
}
