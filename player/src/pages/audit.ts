import { describeError, getAudit } from '../api.ts';
import { h } from '../dom.ts';
import { DASH, formatDateTime, shanghaiLocalToIso } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { outcomeText } from '../labels.ts';
import type { PageContext } from '../router.ts';
import type { AuditEvent } from '../types.ts';

/** One page of events; an auditor narrows down with the filters rather than paging. */
const LIMIT = 200;

export const COLUMNS: [MessageKey, string][] = [
  ['audit.seq', 'num'],
  ['audit.at', ''],
  ['audit.actor', ''],
  ['audit.action', ''],
  ['audit.subject', ''],
  ['audit.outcome', ''],
  ['audit.address', ''],
  ['audit.session', ''],
  ['audit.object', ''],
  ['audit.bytes', 'num'],
  ['audit.detail', ''],
];

function cell(value: string | number | null, className = ''): HTMLTableCellElement {
  return h('td', className ? { class: className } : {}, value === null ? DASH : String(value));
}

export function row(e: AuditEvent): HTMLTableRowElement {
  const outcome = h('span', { class: `outcome outcome-${e.outcome}` });
  setText(outcome, () => outcomeText(e.outcome));
  const address = cell(e.address);
  if (e.userAgent) address.title = e.userAgent;
  return h(
    'tr',
    { 'data-testid': 'audit-row', 'data-seq': String(e.seq) },
    cell(e.seq, 'num'),
    cell(formatDateTime(e.at), 'nowrap'),
    cell(e.actor),
    cell(e.action),
    cell(e.subject),
    h('td', {}, outcome),
    address,
    cell(e.sessionId, 'mono'),
    cell(e.object, 'mono'),
    cell(e.bytes, 'num'),
    cell(JSON.stringify(e.detail), 'mono detail'),
  );
}

function field(name: string, key: MessageKey, type = 'text'): [HTMLLabelElement, HTMLInputElement] {
  const input = h('input', { id: `audit-${name}`, name, type });
  return [h('label', { for: input.id }, label(key)), input];
}

export function auditPage({ root, signal }: PageContext): void {
  const [viewerLabel, viewer] = field('viewer', 'audit.viewer');
  const [recordingLabel, recording] = field('recording', 'audit.recording');
  const [sinceLabel, since] = field('since', 'audit.since', 'datetime-local');
  const search = h('button', { type: 'submit', class: 'primary' }, label('audit.search'));
  const form = h(
    'form',
    { class: 'card filters' },
    h('div', { class: 'filter' }, viewerLabel, viewer),
    h('div', { class: 'filter' }, recordingLabel, recording),
    h('div', { class: 'filter' }, sinceLabel, since),
    search,
  );
  const status = h('p', { class: 'notice' });
  const body = h('tbody');
  root.append(
    h('h1', {}, label('audit.title')),
    form,
    status,
    h(
      'div',
      { class: 'table-scroll' },
      h('table', { class: 'data-table audit-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map(([key, className]) => h('th', { class: className }, label(key))))), body),
    ),
  );

  // Each search supersedes the one before, so a slow answer cannot overwrite a newer one.
  let previous: AbortController | undefined;
  const load = (): void => {
    previous?.abort();
    previous = new AbortController();
    const searchSignal = AbortSignal.any([signal, previous.signal]);
    status.classList.remove('error');
    setText(status, () => t('loading'));
    getAudit(
      {
        viewer: viewer.value.trim(),
        recording: recording.value.trim(),
        since: since.value ? shanghaiLocalToIso(since.value) : undefined,
        limit: LIMIT,
      },
      searchSignal,
    ).then(
      ({ events }) => {
        // The API does not promise an order; the newest on top is what an auditor reads first.
        body.replaceChildren(...[...events].sort((a, b) => b.seq - a.seq).map(row));
        setText(status, () => (events.length === 0 ? t('audit.empty') : t('audit.shown', { count: events.length, limit: LIMIT })));
      },
      (err: unknown) => {
        if (searchSignal.aborted) return;
        status.classList.add('error');
        setText(status, () => describeError(err));
      },
    );
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  load();
}
