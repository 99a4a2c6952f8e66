/**
 * The replay page's keeping card, for custodians: share the recording with a reviewer until a
 * time, and set or clear its confidentiality label. The server decides both (a label change needs
 * clearance for the old and the new label); its refusal is said in words, not hidden.
 */
import { ApiError, describeError, getRecording } from './api.ts';
import { labelRecording, shareRecording } from './api-keeping.ts';
import { h } from './dom.ts';
import { field } from './form-field.ts';
import { formatDateTime, shanghaiLocalToIso } from './format.ts';
import { label, setText, t } from './i18n.ts';
import { confidentialityText } from './labels.ts';
import { currentUser } from './session.ts';
import type { Confidentiality } from './types.ts';

const LABELS: Confidentiality[] = ['state_secret', 'trade_secret', 'privacy'];
/** What a share is given when nobody says otherwise: a week, a review's usual span. */
const DEFAULT_SHARE_MS = 7 * 24 * 3600_000;

/** `datetime-local` in Beijing time for an instant. */
function shanghaiLocal(at: Date): string {
  return formatDateTime(at).replace(' ', 'T').slice(0, 16);
}

function status(testId: string): { el: HTMLElement; say: (text: () => string, isError: boolean) => void } {
  const el = h('p', { role: 'status', 'data-testid': testId, hidden: '' });
  return {
    el,
    say: (text, isError) => {
      el.hidden = false;
      el.className = isError ? 'form-error' : 'notice';
      el.dataset.outcome = isError ? 'refused' : 'ok';
      setText(el, text);
    },
  };
}

function shareErrorText(err: unknown, badge: string): string {
  if (err instanceof ApiError && err.code === 'not_a_reviewer') return t('keep.notReviewer', { badge });
  if (err instanceof ApiError && err.code === 'user_not_found') return t('keep.noUser', { badge });
  if (err instanceof ApiError && err.code === 'share_period_over') return t('keep.badUntil');
  return describeError(err);
}

function labelErrorText(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) return t('keep.labelRefused');
  if (err instanceof ApiError && err.code === 'label_changed') return t('keep.labelChanged');
  return describeError(err);
}

/** The card; hidden, and asking nothing of the server, for anyone but a custodian. */
export function createSharePanel(recordingId: string, signal: AbortSignal): HTMLElement {
  const card = h('section', { class: 'card', 'data-testid': 'share-panel', hidden: '' });
  if (currentUser()?.role !== 'custodian') return card;

  const badge = h('input', { name: 'badge', 'data-testid': 'share-badge', size: '16', maxlength: '32', required: '' });
  const until = h('input', { name: 'until', type: 'datetime-local', 'data-testid': 'share-until', required: '' });
  until.value = shanghaiLocal(new Date(Date.now() + DEFAULT_SHARE_MS));
  const shareSubmit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'share-submit' }, label('keep.shareSubmit'));
  const shareStatus = status('share-status');
  const hint = h('p', { class: 'notice' });
  setText(hint, () => t('keep.shareHint'));
  const shareForm = h('form', {}, h('h3', {}, label('keep.share')), hint, h('div', { class: 'filters' }, field('keep.badge', badge), field('keep.until', until), shareSubmit), shareStatus.el);

  const current = h('p', { 'data-testid': 'label-current' });
  const choice = h('select', { name: 'label', 'data-testid': 'label-choice' }, h('option', { value: '' }), ...LABELS.map((l) => h('option', { value: l })));
  setText(choice.options[0]!, () => t('keep.none'));
  LABELS.forEach((l, i) => setText(choice.options[i + 1]!, () => confidentialityText(l)));
  const labelSubmit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'label-submit' }, label('keep.labelSubmit'));
  const labelStatus = status('label-status');
  const labelForm = h('form', {}, h('h3', {}, label('keep.label')), current, h('div', { class: 'filters' }, field('keep.label', choice), labelSubmit), labelStatus.el);

  const showLabel = (l: Confidentiality | null) => {
    current.dataset.label = l ?? '';
    setText(current, () => t('keep.current', { label: l === null ? t('keep.none') : confidentialityText(l) }));
    choice.value = l ?? '';
  };

  shareForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const who = badge.value.trim();
    const end = until.value === '' ? Number.NaN : Date.parse(shanghaiLocalToIso(until.value));
    if (!(end > Date.now())) return shareStatus.say(() => t('keep.badUntil'), true);
    const iso = new Date(end).toISOString();
    shareSubmit.disabled = true;
    shareRecording(recordingId, { badge: who, until: iso }, signal)
      .then(() => shareStatus.say(() => t('keep.shared', { badge: who, until: formatDateTime(iso) }), false))
      .catch((err: unknown) => {
        if (!signal.aborted) shareStatus.say(() => shareErrorText(err, who), true);
      })
      .finally(() => {
        shareSubmit.disabled = false;
      });
  });

  labelForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const to = choice.value === '' ? null : (choice.value as Confidentiality);
    labelSubmit.disabled = true;
    labelRecording(recordingId, to, signal)
      .then(() => {
        showLabel(to);
        labelStatus.say(() => t('keep.labelled', { label: to === null ? t('keep.none') : confidentialityText(to) }), false);
      })
      .catch((err: unknown) => {
        if (!signal.aborted) labelStatus.say(() => labelErrorText(err), true);
      })
      .finally(() => {
        labelSubmit.disabled = false;
      });
  });

  card.append(h('h2', {}, label('keep.title')), shareForm, labelForm);
  // The label as it stands now; a custodian who may not replay this recording has nothing to keep here.
  getRecording(recordingId, signal).then(
    ({ recording }) => {
      showLabel(recording.confidentiality);
      card.hidden = false;
    },
    () => undefined,
  );
  return card;
}
