import { describeError } from '../api.ts';
import {
  ACTION_KINDS,
  type ActionRules,
  type CaseAction,
  type CaseDetail,
  caseAct,
  type Clause,
  getActionRules,
  getCase,
  type NotRecordedReason,
  noteGap,
  type Requirement,
  STAGES,
} from '../api-cases.ts';
import { caseForm, type Field, input, select, textarea } from '../case-forms.ts';
import { findingText, kindText, memberRoleText, reasonText, requirementText, stageText } from '../case-labels.ts';
import { h } from '../dom.ts';
import { infoList } from '../info-list.ts';
import { DASH, formatDateTime, shanghaiLocalToIso } from '../format.ts';
import { label, setText, setTitle, t, type MessageKey } from '../i18n.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';
import { deadlineCell } from './cases.ts';

const REASONS: NotRecordedReason[] = ['explosive_area', 'state_secret', 'trade_secret', 'privacy', 'other'];

const clauseLine = (c: Clause): string => `${c.seed} §${c.article}「${c.quote}」`;

function section(titleKey: MessageKey, ...children: Node[]): HTMLElement {
  return h('section', { class: 'case-section' }, h('h2', {}, label(titleKey)), ...children);
}

function text(fn: () => string, tag: 'span' | 'li' | 'td' | 'dd' | 'p' = 'span', attrs: Record<string, string> = {}): HTMLElement {
  const el = h(tag, attrs);
  setText(el, fn);
  return el;
}

function facts(d: CaseDetail): HTMLElement {
  const c = d.case;
  const rows: [MessageKey, () => string][] = [
    ['case.col.no', () => c.caseNo],
    ['case.col.unit', () => c.unit],
    ['case.col.stage', () => (c.stage ? stageText(c.stage) : DASH)],
    ['case.emergency', () => t(c.emergency ? 'case.yes' : 'case.no')],
    ['case.initiated', () => formatDateTime(c.initiatedAt)],
    ...(c.emergency
      ? ([
          ['case.approvalDeadline', () => formatDateTime(c.approvalDeadline)],
          ['case.approved', () => formatDateTime(c.approvedAt)],
        ] as [MessageKey, () => string][])
      : []),
    ['case.ended', () => formatDateTime(c.endedAt)],
    ['case.archived', () => formatDateTime(c.archivedAt)],
    ['case.manifest', () => c.manifestKey ?? DASH],
  ];
  const dl = infoList(rows);
  dl.append(h('dt', {}, label('case.deadline')), deadlineCell(c, 'dd'));
  return h('div', { class: 'card' }, dl);
}

function requirementChip(requirement: Requirement, clauses: Clause[]): HTMLElement {
  const chip = text(() => requirementText(requirement), 'span', { class: `requirement requirement-${requirement}`, 'data-requirement': requirement });
  // The clauses are the seeds' own words: shown as they are, in either language.
  setTitle(chip, () => clauses.map(clauseLine).join('\n'));
  return chip;
}

function actionRow(a: CaseAction): HTMLTableRowElement {
  const recordings = h('td', {}, ...a.recordingIds.flatMap((id, i) => [...(i > 0 ? [' '] : []), h('a', { href: `#/replay/${encodeURIComponent(id)}`, class: 'mono' }, id)]));
  if (a.recordingIds.length === 0) recordings.append(DASH);
  return h(
    'tr',
    { 'data-testid': 'case-action', 'data-action-id': a.id, 'data-kind': a.kind },
    text(() => kindText(a.kind), 'td'),
    h('td', {}, requirementChip(a.requirement, a.clauses)),
    text(() => stageText(a.stage), 'td'),
    h('td', { class: 'nowrap' }, formatDateTime(a.at)),
    h('td', {}, a.officerBadge ?? DASH),
    recordings,
    text(() => (a.notRecordedReason ? reasonText(a.notRecordedReason) + (a.notRecordedText ? `：${a.notRecordedText}` : '') : DASH), 'td'),
  );
}

function table(columns: MessageKey[], rows: HTMLTableRowElement[]): HTMLElement {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...columns.map((key) => h('th', {}, label(key))))), h('tbody', {}, ...rows)));
}

function list(items: HTMLElement[], emptyKey: MessageKey): HTMLElement {
  return items.length > 0 ? h('ul', { class: 'case-list' }, ...items) : text(() => t(emptyKey), 'p', { class: 'notice' });
}

export function casePage({ root, signal, params }: PageContext): void {
  const id = params[0] ?? '';
  const user = currentUser();
  const status = text(() => t('loading'), 'p', { class: 'notice' });
  root.append(status);
  const rules = getActionRules(signal);

  /** Runs an act, then shows the case as it now stands. */
  const act = (path: string, body: () => unknown) => async () => {
    await caseAct(id, path, body(), signal);
    await load();
  };
  const at = (field: HTMLInputElement) => (field.value ? shanghaiLocalToIso(field.value) : undefined);

  const forms = (d: CaseDetail, r: ActionRules): HTMLElement[] => {
    const c = d.case;
    if (!user) return [];
    const keeps = (user.role === 'commander' || user.role === 'custodian') && user.unit === c.unit;
    const out: HTMLElement[] = [];
    if (keeps && c.archivedAt === null) {
      const kind = select(ACTION_KINDS, (k) => `${kindText(k)}（${requirementText(r.rules[k].requirement)}）`);
      const stage = select(STAGES, stageText);
      const when = input('datetime-local', { required: '' });
      const officer = input('text', { maxlength: '32' });
      const place = input('text', { maxlength: '200' });
      out.push(
        caseForm(
          'case.addAction',
          [
            ['case.field.kind', kind],
            ['case.field.stage', stage],
            ['case.field.at', when],
            ['case.field.officer', officer],
            ['case.field.place', place],
          ],
          act('actions', () => ({ kind: kind.value, stage: stage.value, at: at(when), officerBadge: officer.value || undefined, place: place.value || undefined })),
          'add-action',
        ),
      );

      if (d.actions.length > 0) {
        const actionChoice = () =>
          select(
            d.actions.map((a) => a.id),
            (aid) => {
              const a = d.actions.find((x) => x.id === aid)!;
              return `${kindText(a.kind)} ${formatDateTime(a.at)}`;
            },
          );
        const linkAction = actionChoice();
        const recording = input('text', { required: '', pattern: 'rec-[a-z0-9]+', class: 'mono' });
        // The path names the chosen action, so it is read at submit.
        out.push(
          caseForm(
            'case.link',
            [
              ['case.field.action', linkAction],
              ['case.field.recording', recording],
            ],
            () => act(`actions/${encodeURIComponent(linkAction.value)}/links`, () => ({ recordingId: recording.value.trim() }))(),
            'link-recording',
          ),
        );

        const reasonAction = actionChoice();
        const reason = select(REASONS, reasonText);
        const reasonWords = textarea();
        out.push(
          caseForm(
            'case.giveReason',
            [
              ['case.field.action', reasonAction],
              ['case.field.reason', reason],
              ['case.field.text', reasonWords],
            ],
            () => act(`actions/${encodeURIComponent(reasonAction.value)}/reason`, () => ({ reason: reason.value, text: reasonWords.value.trim() || undefined }))(),
            'give-reason',
          ),
        );
      }

      const badge = input('text', { required: '', maxlength: '32' });
      // Giving a reviewer the case's recordings is the custodian's act (case-policy.ts).
      const role = select(user.role === 'custodian' ? (['officer', 'reviewer'] as const) : (['officer'] as const), memberRoleText);
      out.push(
        caseForm(
          'case.addMember',
          [
            ['case.field.badge', badge],
            ['case.field.role', role],
          ],
          act('members', () => ({ badge: badge.value.trim(), role: role.value })),
          'add-member',
        ),
      );

      if (c.emergency && c.approvedAt === null)
        out.push(
          caseForm(
            'case.approve',
            [],
            act('approve-emergency', () => ({})),
            'approve-emergency',
          ),
        );
      if (c.endedAt === null) {
        const ended = input('datetime-local');
        out.push(
          caseForm(
            'case.end',
            [['case.field.at', ended]],
            act('end', () => ({ at: at(ended) })),
            'end-case',
          ),
        );
      }
    }
    // Archiving is the custodian's, once the case has ended; a cut-short archiving is finished the same way.
    if (user.role === 'custodian' && user.unit === c.unit && c.endedAt !== null && c.manifestKey === null) {
      out.push(
        caseForm(
          'case.archive',
          [],
          act('archive', () => ({})),
          'archive-case',
        ),
      );
    }
    if (user.role !== 'auditor') {
      const note = textarea();
      note.required = true;
      out.push(
        caseForm(
          'case.addAnnotation',
          [['case.field.annotation', note]],
          act('annotations', () => ({ text: note.value.trim() })),
          'add-annotation',
        ),
      );
    }
    return out;
  };

  const gapItems = (d: CaseDetail): HTMLElement[] =>
    d.recordings.flatMap((r) =>
      r.gaps.map((g) => {
        const li = h(
          'li',
          { 'data-testid': 'case-gap', 'data-recording-id': r.id, 'data-idx': String(g.idx) },
          text(() => t('case.gapItem', { recording: r.id, idx: g.idx, at: formatDateTime(g.startAt) })),
          ' ',
          text(() => (g.note ? t('case.gapNoted', { reason: g.note.reason }) : t('case.gapUnnoted')), 'span', { class: g.note ? '' : 'overdue' }),
        );
        if (!g.note && user && user.role !== 'auditor' && d.case.archivedAt === null) {
          const reason: Field = input('text', { required: '', maxlength: '2000' });
          li.append(
            caseForm(
              'case.noteGap',
              [['case.field.reason', reason]],
              async () => {
                await noteGap(r.id, g.idx, reason.value.trim(), signal);
                await load();
              },
              'note-gap',
            ),
          );
        }
        return li;
      }),
    );

  const render = (d: CaseDetail, r: ActionRules): Node[] => {
    const kindOf = (actionId: string) => d.actions.find((a) => a.id === actionId)?.kind;
    return [
      h('a', { href: '#/cases', class: 'back' }, label('case.back')),
      h('h1', {}, `${d.case.caseNo} · ${d.case.title}`),
      facts(d),
      ...(d.case.archivedAt ? [text(() => t('case.frozen'), 'p', { class: 'notice', 'data-testid': 'case-frozen' })] : []),
      section(
        'case.findings',
        list(
          d.findings.map((f) => text(() => findingText(f, kindOf), 'li', { 'data-testid': 'case-finding', 'data-kind': f.kind })),
          'case.noFindings',
        ),
      ),
      ...(d.advice.length > 0
        ? [
            section(
              'case.advice',
              list(
                d.advice.map((a) =>
                  text(() => t('case.adviceItem', { kind: kindText(a.kind), at: formatDateTime(d.actions.find((x) => x.id === a.actionId)?.at ?? null), clauses: a.clauses.join('、') }), 'li'),
                ),
                'case.noFindings',
              ),
            ),
          ]
        : []),
      section(
        'case.stages',
        table(
          ['case.field.stage', 'case.col.started', 'case.col.ended'],
          d.stages.map((s) =>
            h(
              'tr',
              {},
              text(() => stageText(s.stage), 'td'),
              h('td', {}, formatDateTime(s.startedAt)),
              h('td', {}, formatDateTime(s.endedAt)),
            ),
          ),
        ),
      ),
      section(
        'case.members',
        list(
          d.members.map((m) => text(() => `${m.badge}（${memberRoleText(m.role)}）`, 'li')),
          'case.noMembers',
        ),
      ),
      section(
        'case.actions',
        d.actions.length > 0
          ? table(['case.col.kind', 'case.col.requirement', 'case.field.stage', 'case.col.at', 'case.col.officer', 'case.col.recordings', 'case.col.reason'], d.actions.map(actionRow))
          : text(() => t('case.noActions'), 'p', { class: 'notice' }),
      ),
      ...(d.recordings.some((r) => r.gaps.length > 0) ? [section('case.gaps', list(gapItems(d), 'case.noFindings'))] : []),
      section(
        'case.annotations',
        list(
          d.annotations.map((n) => h('li', {}, `${formatDateTime(n.at)} ${n.by}：${n.text}`)),
          'case.noAnnotations',
        ),
      ),
      ...forms(d, r),
    ];
  };

  const load = async (): Promise<void> => {
    const [d, r] = await Promise.all([getCase(id, signal), rules]);
    root.replaceChildren(...render(d, r));
  };
  load().catch((err: unknown) => {
    if (signal.aborted) return;
    status.classList.add('error');
    setText(status, () => describeError(err));
  });
}
