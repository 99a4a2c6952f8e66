import { ApiError, describeError, signIn } from '../api.ts';
import { h } from '../dom.ts';
import { label, setText, t } from '../i18n.ts';
import type { PageContext } from '../router.ts';
import { homeFor } from '../roles.ts';
import { takeSessionEnded } from '../session.ts';

/** The refusal in words, as a function so that a language switch re-words it. */
function refusal(err: unknown): () => string {
  if (err instanceof ApiError) {
    const seconds = Math.ceil(Number(err.body.retryAfterSeconds));
    // Only answered once the password was right, so naming the state tells a guesser nothing.
    const state = err.code;
    if (state === 'account_disabled' || state === 'awaiting_approval') return () => t(`signIn.${state}`);
    if (err.status === 401) return () => t('signIn.badCredentials');
    if (err.status === 423) return () => t('signIn.locked', { minutes: Math.max(1, Math.ceil(seconds / 60)) });
    if (err.status === 429) return () => t('signIn.rateLimited', { seconds });
  }
  return () => describeError(err);
}

export function signInPage({ root }: PageContext): void {
  const badge = h('input', { id: 'badge', name: 'badge', autocomplete: 'username', required: '' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: '' });
  const error = h('p', { 'data-testid': 'sign-in-error', class: 'form-error', role: 'alert', hidden: '' });
  const submit = h('button', { type: 'submit', class: 'primary' }, label('signIn.submit'));
  const ended = takeSessionEnded();
  const notice = h('p', { 'data-testid': 'sign-in-notice', class: 'notice', role: 'status', hidden: '' });
  if (ended === 'session_idle') {
    setText(notice, () => t('signIn.session_idle'));
    notice.hidden = false;
  }
  const form = h(
    'form',
    { class: 'card sign-in' },
    h('h1', {}, label('signIn.title')),
    notice,
    h('label', { for: 'badge' }, label('signIn.badge')),
    badge,
    h('label', { for: 'password' }, label('signIn.password')),
    password,
    error,
    submit,
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    signIn(badge.value.trim(), password.value)
      .then((session) => {
        location.hash = homeFor(session.user.role);
      })
      .catch((err: unknown) => {
        setText(error, refusal(err));
        error.hidden = false;
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  root.append(form);
  badge.focus();
}
