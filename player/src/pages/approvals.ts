/**
 * #/approvals: the agency head decides parties' pending requests (000 §21, 001 §36: 行政机关负责人
 * 同意). Per recording: grant or not, and for a labelled one the ready redaction to give instead
 * (001 §37); for the whole: the window, the number of viewings, copies allowed, a note. A refusal
 * needs a note. The server checks all of it again.
 */
import { decideRequest, getPartyRequests, type PartyRequest, partyErrorText, type RequestedRecording } from '../api-party.ts';
import { h } from '../dom.ts';
import { field } from '../form-field.ts';
import { refreshList } from '../list-refresh.ts';
import { DASH, formatDateTime, formatDuration, shanghaiLocalToIso } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { confidentialityText } from '../labels.ts';
import { requestKindText } from '../party-labels.ts';
import type { PageContext } from '../router.ts';

const DEFAULT_WINDOW_DAYS = 7;
const DAY_MS = 24 * 60 * 60_000;

/** An instant as a `datetime-local` value in Beijing time. */
const localValue = (d: Date): string => formatDateTime(d).replace(' ', 'T').slice(0, 16);

interface ScopeRow {
  row: HTMLTableRowElement;
  value(): { recordingId: string; approved: boolean; redactionId?: string };
}

function scopeRow(rec: RequestedRecording): ScopeRow {
  const include = h('input', { type: 'checkbox', name: 'approved', checked: '' });
  const redaction = h('select', { name: 'redactionId' });
  const ready = rec.readyRedactions ?? [];
  if (ready.length === 0) {
    const none = h('option', { value: '' });
    setText(none, () => t('party.approvals.noRedaction'));
    redaction.append(none);
  } else {
    // A labelled recording goes out only redacted: no "none" choice for it.
    if (!rec.confidentiality) {
      const none = h('option', { value: '' });
      setText(none, () => t('party.approvals.chooseRedaction'));
      redaction.append(none);
    }
    for (const r of ready) redaction.append(h('option', { value: r.redactionId }, `${r.redactionId} · ${formatDateTime(r.createdAt)}`));
  }
  const conf = h('td', { class: rec.confidentiality ? 'confidential' : '' });
  setText(conf, () => confidentialityText(rec.confidentiality ?? null));
  const row = h(
    'tr',
    { 'data-testid': 'approval-recording', 'data-recording-id': rec.recordingId },
    h('td', {}, include),
    h('td', { class: 'mono' }, h('a', { href: `#/replay/${rec.recordingId}` }, rec.recordingId)),
    h('td', {}, rec.deviceName ?? DASH),
    h('td', { class: 'nowrap' }, formatDateTime(rec.startedAt)),
    h('td', { class: 'num' }, formatDuration(rec.durationMs)),
    conf,
    h('td', {}, redaction),
  );
  return {
    row,
    value: () => ({ recordingId: rec.recordingId, approved: include.checked, ...(include.checked && redaction.value ? { redactionId: redaction.value } : {}) }),
  };
}

const SCOPE_COLUMNS: MessageKey[] = ['party.approvals.include', 'col.id', 'col.device', 'col.start', 'col.duration', 'col.confidentiality', 'party.approvals.redaction'];

function requestCard(r: PartyRequest, signal: AbortSignal, onDecided: () => void): HTMLElement {
  const scope = r.recordings.map(scopeRow);
  const now = Date.now();
  const from = h('input', { type: 'datetime-local', name: 'windowFrom', value: localValue(new Date(now)) });
  const until = h('input', { type: 'datetime-local', name: 'windowUntil', value: localValue(new Date(now + DEFAULT_WINDOW_DAYS * DAY_MS)) });
  const viewings = h('input', { type: 'number', name: 'maxViewings', min: '1', max: '20', value: '1' });
  const copyAllowed = h('input', { type: 'checkbox', name: 'copyAllowed' });
  const note = h('input', { name: 'note', size: '40', maxlength: '2000' });
  const approve = h('button', { type: 'button', class: 'primary', 'data-testid': 'approve' }, label('party.approvals.approve'));
  const refuse = h('button', { type: 'button', class: 'secondary', 'data-testid': 'refuse' }, label('party.approvals.refuse'));
  const problem = h('p', { class: 'form-error', hidden: '' });

  const who = h('div', { class: 'notice' });
  setText(who, () => t('party.approvals.requester', { party: r.party?.name ?? DASH, badge: r.party?.badge ?? DASH, kind: requestKindText(r.kind), at: formatDateTime(r.createdAt) }));
  const reason = h('p');
  setText(reason, () => t('party.approvals.reason', { reason: r.reason }));

  const send = (decision: Parameters<typeof decideRequest>[1]): void => {
    approve.disabled = refuse.disabled = true;
    problem.hidden = true;
    decideRequest(r.requestId, decision, signal).then(onDecided, (err: unknown) => {
      problem.hidden = false;
      setText(problem, () => partyErrorText(err));
      approve.disabled = refuse.disabled = false;
    });
  };
  approve.addEventListener('click', () => {
    send({
      decision: 'approve',
      windowFrom: shanghaiLocalToIso(from.value),
      windowUntil: shanghaiLocalToIso(until.value),
      maxViewings: Number(viewings.value),
      copyAllowed: r.kind === 'copy' && copyAllowed.checked,
      recordings: scope.map((s) => s.value()),
      ...(note.value.trim() ? { note: note.value.trim() } : {}),
    });
  });
  refuse.addEventListener('click', () => {
    if (!note.value.trim()) {
      problem.hidden = false;
      setText(problem, () => t('party.approvals.noteRequired'));
      return;
    }
    send({ decision: 'refuse', note: note.value.trim() });
  });

  return h(
    'section',
    { class: 'card', 'data-testid': 'approval-card', 'data-request-id': r.requestId },
    h('h2', { class: 'mono' }, r.requestId),
    who,
    reason,
    h(
      'div',
      { class: 'table-scroll' },
      h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...SCOPE_COLUMNS.map((key) => h('th', {}, label(key))))), h('tbody', {}, ...scope.map((s) => s.row))),
    ),
    h(
      'div',
      { class: 'filters' },
      field('party.approvals.windowFrom', from),
      field('party.approvals.windowUntil', until),
      field('party.approvals.maxViewings', viewings),
      ...(r.kind === 'copy' ? [field('party.approvals.copyAllowed', copyAllowed)] : []),
      field('party.approvals.note', note),
    ),
    h('div', { class: 'filters' }, approve, refuse),
    problem,
  );
}

export function approvalsPage({ root, signal }: PageContext): void {
  const list = h('div', { class: 'approval-list' });
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  root.append(h('h1', {}, label('party.approvals.title')), status, list);

  const refresh: () => Promise<void> = refreshList({
    signal,
    target: list,
    status,
    load: async () => (await getPartyRequests(signal, 'pending')).requests,
    render: (r) => requestCard(r, signal, () => void refresh()),
    emptyText: () => t('party.approvals.empty'),
    errorText: partyErrorText,
  });
}
