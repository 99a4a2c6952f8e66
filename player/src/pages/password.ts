/**
 * #/password: one's own password. After a sign-in with a one-time password (a new account's, or
 * one an admin reset) it is the only page there is, and the change leads on to the role's home.
 * The rule is the server's; the page states it up front and shows the server's words on refusal.
 */
import { accountErrorText, changePassword } from '../api-accounts.ts';
import { h } from '../dom.ts';
import { label, setText, t } from '../i18n.ts';
import { homeFor } from '../roles.ts';
import type { PageContext } from '../router.ts';
import { currentUser, passwordChanged, passwordDue } from '../session.ts';

function passwordInput(name: string, autocomplete: string): HTMLInputElement {
  return h('input', { id: `password-${name}`, name, type: 'password', autocomplete, required: '' });
}

export function passwordPage({ root, signal }: PageContext): void {
  const forced = passwordDue();
  const current = passwordInput('current', 'current-password');
  const next = passwordInput('next', 'new-password');
  const repeat = passwordInput('repeat', 'new-password');
  const error = h('p', { 'data-testid': 'password-error', class: 'form-error', role: 'alert', hidden: '' });
  const done = h('p', { 'data-testid': 'password-changed', class: 'notice', hidden: '' }, label('password.changed'));
  const submit = h('button', { type: 'submit', class: 'primary' }, label('password.submit'));
  const form = h(
    'form',
    { class: 'card sign-in', 'data-testid': 'password-form' },
    h('h1', {}, label('password.title')),
    ...(forced ? [h('p', { class: 'notice', 'data-testid': 'password-forced' }, label('password.forced'))] : []),
    h('p', { class: 'notice' }, label('password.rule')),
    h('label', { for: current.id }, label('password.current')),
    current,
    h('label', { for: next.id }, label('password.next')),
    next,
    h('label', { for: repeat.id }, label('password.repeat')),
    repeat,
    error,
    done,
    submit,
  );

  const refuse = (text: () => string): void => {
    setText(error, text);
    error.hidden = false;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = done.hidden = true;
    if (next.value !== repeat.value) {
      refuse(() => t('password.mismatch'));
      return;
    }
    submit.disabled = true;
    changePassword(current.value, next.value, signal)
      .then(() => {
        passwordChanged();
        const user = currentUser();
        if (forced && user !== null) {
          location.replace(homeFor(user.role));
          return;
        }
        form.reset();
        done.hidden = false;
      })
      .catch((err: unknown) => refuse(() => accountErrorText(err)))
      .finally(() => {
        submit.disabled = false;
      });
  });

  root.append(form);
  current.focus();
}
