import { describeError, getRecordings } from '../api.ts';
import { h } from '../dom.ts';
import { DASH, formatDateTime, formatDuration } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { chip, confidentialityText, recordingFlagCode, recordingFlagText, recordingStateText } from '../labels.ts';
import { holdText, keptUntilText, retentionCategoryText, retentionStateText } from '../retention-labels.ts';
import type { PageContext } from '../router.ts';
import type { Recording } from '../types.ts';

const COLUMNS: [MessageKey, string][] = [
  ['col.device', ''],
  ['col.officer', ''],
  ['col.start', ''],
  ['col.duration', 'num'],
  ['col.segments', 'num'],
  ['col.gaps', 'num'],
  ['col.state', ''],
  ['col.confidentiality', ''],
  ['col.retention', ''],
  ['col.flags', ''],
];

/** The category and how long it is kept (or that it expired); a legal hold with since when, by whom and why. */
function retentionCell(r: Recording): HTMLTableCellElement {
  const { retention } = r;
  const category = h('span', { class: retention.hold ? 'flag' : '' });
  setText(category, () => retentionCategoryText(retention.category));
  const detail = h('div', { class: 'notice', style: 'margin:2px 0 0;font-size:12px' });
  setText(detail, () => {
    if (retention.hold) return holdText(retention.hold, true);
    if (retention.state !== 'kept') return retentionStateText(retention.state);
    return retention.keptUntil === null ? keptUntilText(retention) : t('ret.until', { date: keptUntilText(retention) });
  });
  return h('td', { 'data-testid': 'recording-retention', 'data-category': retention.category, 'data-held': String(retention.hold !== null) }, category, detail);
}

function row(r: Recording): HTMLTableRowElement {
  const href = `#/replay/${encodeURIComponent(r.id)}`;
  const state = h('span', { class: `state state-${r.state}` });
  setText(state, () => recordingStateText(r.state));
  const confidentiality = h('span', { class: r.confidentiality ? 'confidential' : '' });
  setText(confidentiality, () => confidentialityText(r.confidentiality));
  const tr = h(
    'tr',
    { 'data-testid': 'recording-row', 'data-recording-id': r.id, class: 'clickable' },
    h('td', {}, h('a', { href }, r.deviceName)),
    h('td', {}, r.officerBadge ?? DASH),
    h('td', {}, formatDateTime(r.startedAt)),
    h('td', { class: 'num' }, formatDuration(r.durationMs)),
    h('td', { class: 'num' }, String(r.segments)),
    h('td', { class: r.gaps > 0 ? 'num has-gaps' : 'num' }, String(r.gaps)),
    h('td', {}, state),
    h('td', {}, confidentiality),
    retentionCell(r),
    h('td', { 'data-testid': 'recording-flags', 'data-flags': r.flags.map(recordingFlagCode).join(' ') }, ...r.flags.map((flag) => chip(() => recordingFlagText(flag)))),
  );
  // The whole row is the target; the link inside keeps keyboard and middle-click working.
  tr.addEventListener('click', () => {
    location.hash = href;
  });
  return tr;
}

export function recordingsPage({ root, signal }: PageContext): void {
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  const body = h('tbody');
  root.append(
    h('h1', {}, label('recordings.title')),
    h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map(([key, className]) => h('th', { class: className }, label(key))))), body),
    status,
  );

  getRecordings(signal).then(
    ({ recordings }) => {
      body.replaceChildren(...recordings.map(row));
      status.hidden = recordings.length > 0;
      setText(status, () => t('recordings.empty'));
    },
    (err: unknown) => {
      if (signal.aborted) return;
      status.classList.add('error');
      setText(status, () => describeError(err));
    },
  );
}
