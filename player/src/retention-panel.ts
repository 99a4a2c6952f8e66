/**
 * The replay page's retention card: the recording's category, how long it is kept, and its legal
 * hold — since when, by whom, why — for everyone who may replay it; and for a custodian of its
 * unit, placing or releasing the hold with a reason. Whether the controls show is only a
 * convenience: the server decides (policy.ts mayKeep) and audits, and its refusal is said in words.
 */
import { ApiError, describeError, getRecording } from './api.ts';
import { changeHold } from './api-retention.ts';
import { h } from './dom.ts';
import { field } from './form-field.ts';
import { label, setText, t } from './i18n.ts';
import { infoList } from './info-list.ts';
import { holdText, keptUntilText, retentionCategoryText, retentionStateText } from './retention-labels.ts';
import { currentUser } from './session.ts';
import type { Recording } from './types.ts';

function holdErrorText(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) return t('ret.refused');
  if (err instanceof ApiError && err.code === 'recording_held') return t('ret.alreadyHeld');
  if (err instanceof ApiError && err.code === 'recording_not_held') return t('ret.notHeldNow');
  if (err instanceof ApiError && err.code === 'invalid_input') return t('ret.badReason');
  return describeError(err);
}

/** The one who may hold: a custodian of the recording's unit, as the server's mayKeep. */
function mayHold(recording: Recording): boolean {
  const user = currentUser();
  return user?.role === 'custodian' && user.unit === recording.unit;
}

/** The card, hidden until `show` is given the recording (the replay page reads it once for all its cards). */
export function createRetentionPanel(signal: AbortSignal): { el: HTMLElement; show: (recording: Recording) => void } {
  const card = h('section', { class: 'card', 'data-testid': 'retention-panel', hidden: '' });
  const facts = h('div');
  const held = h('p', { 'data-testid': 'hold-shown' });

  const hint = h('p', { class: 'notice' });
  setText(hint, () => t('ret.holdHint'));
  const reason = h('textarea', { name: 'reason', 'data-testid': 'hold-reason', rows: '3', maxlength: '500', style: 'width:100%;box-sizing:border-box;font:inherit' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'hold-submit' });
  const status = h('p', { role: 'status', 'data-testid': 'hold-status', hidden: '' });
  const form = h('form', { 'data-testid': 'hold-form', hidden: '' }, hint, field('ret.reason', reason), h('div', { class: 'filters', style: 'margin-top:8px' }, submit), status);
  card.append(h('h2', {}, label('ret.title')), facts, held, form);

  const say = (text: () => string, isError: boolean): void => {
    status.hidden = false;
    status.className = isError ? 'form-error' : 'notice';
    status.dataset.outcome = isError ? 'refused' : 'ok';
    setText(status, text);
  };

  let current: Recording | undefined;
  const show = (recording: Recording): void => {
    current = recording;
    const r = recording.retention;
    card.dataset.category = r.category;
    facts.replaceChildren(
      infoList([
        ['ret.category', () => retentionCategoryText(r.category)],
        ['ret.state', () => retentionStateText(r.state)],
        ['ret.keptUntil', () => keptUntilText(r)],
      ]),
    );
    held.dataset.held = String(r.hold !== null);
    held.className = r.hold ? 'held' : 'notice';
    setText(held, () => (r.hold ? holdText(r.hold) : t('ret.notHeld')));
    form.hidden = !mayHold(recording);
    setText(submit, () => t(r.hold ? 'ret.releaseHold' : 'ret.placeHold'));
    card.hidden = false;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    const why = reason.value.trim();
    if (why === '') return say(() => t('ret.noReason'), true);
    const act = current.retention.hold ? 'release' : 'hold';
    submit.disabled = true;
    changeHold(current.id, act, { reason: why }, signal)
      .then(
        (change) => {
          reason.value = '';
          say(() => t(act === 'hold' ? 'ret.placed' : 'ret.released', { objects: change.objects }), false);
          // The hold as the server now shows it, holder included; the act is done whether or not this read succeeds.
          return getRecording(change.recordingId, signal).then(
            ({ recording }) => show(recording),
            () => undefined,
          );
        },
        (err: unknown) => {
          if (!signal.aborted) say(() => holdErrorText(err), true);
        },
      )
      .finally(() => {
        submit.disabled = false;
      });
  });

  return { el: card, show };
}
