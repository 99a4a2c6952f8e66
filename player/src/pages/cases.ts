import { describeError } from '../api.ts';
import { type CaseSummary, createCase, getCases } from '../api-cases.ts';
import { caseForm, input } from '../case-forms.ts';
import { stageText } from '../case-labels.ts';
import { h } from '../dom.ts';
import { DASH, formatDateTime } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';
import '../cases.css';

const COLUMNS: [MessageKey, string][] = [
  ['case.col.no', ''],
  ['case.col.title', ''],
  ['case.col.unit', ''],
  ['case.col.stage', ''],
  ['case.col.deadline', ''],
  ['case.col.findings', 'num'],
];

/** The archive deadline (flagged once passed), or when the case was archived. */
function deadlineText(c: CaseSummary): string {
  if (c.archivedAt) return t('case.archivedOn', { at: formatDateTime(c.archivedAt) });
  if (!c.archiveDeadline) return t('case.open');
  return formatDateTime(c.archiveDeadline) + (c.archiveOverdue ? t('case.overdue') : '');
}

export function deadlineCell(c: CaseSummary, tag: 'td' | 'dd' = 'td'): HTMLElement {
  const el = h(tag, { class: c.archiveOverdue ? 'nowrap overdue' : 'nowrap', 'data-testid': 'case-deadline' });
  setText(el, () => deadlineText(c));
  return el;
}

function row(c: CaseSummary & { findings: number }): HTMLTableRowElement {
  const href = `#/cases/${encodeURIComponent(c.id)}`;
  const stage = h('td');
  setText(stage, () => (c.stage ? stageText(c.stage) : DASH));
  const tr = h(
    'tr',
    { 'data-testid': 'case-row', 'data-case-id': c.id, class: 'clickable' },
    h('td', {}, h('a', { href }, c.caseNo)),
    h('td', {}, c.title),
    h('td', {}, c.unit),
    stage,
    deadlineCell(c),
    h('td', { class: c.findings > 0 ? 'num has-findings' : 'num' }, String(c.findings)),
  );
  tr.addEventListener('click', () => {
    location.hash = href;
  });
  return tr;
}

export function casesPage({ root, signal }: PageContext): void {
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  const body = h('tbody');
  root.append(
    h('h1', {}, label('case.list.title')),
    h('div', { class: 'table-scroll' }, h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map(([key, cls]) => h('th', { class: cls }, label(key))))), body)),
    status,
  );

  // Commanders and custodians open their unit's cases (the server decides again).
  const user = currentUser();
  if (user && (user.role === 'commander' || user.role === 'custodian')) {
    const caseNo = input('text', { required: '', maxlength: '64' });
    const title = input('text', { required: '', maxlength: '200' });
    const emergency = input('checkbox');
    root.append(
      caseForm(
        'case.new',
        [
          ['case.field.no', caseNo],
          ['case.field.title', title],
          ['case.field.emergency', emergency],
        ],
        async () => {
          const { id } = await createCase({ caseNo: caseNo.value, unit: user.unit, title: title.value, emergency: emergency.checked }, signal);
          location.hash = `#/cases/${encodeURIComponent(id)}`;
        },
        'new-case',
      ),
    );
  }

  getCases(signal).then(
    ({ cases }) => {
      body.replaceChildren(...cases.map(row));
      status.hidden = cases.length > 0;
      setText(status, () => t('case.list.empty'));
    },
    (err: unknown) => {
      if (signal.aborted) return;
      status.classList.add('error');
      setText(status, () => describeError(err));
    },
  );
}
