import { signOut } from './api.ts';
import { h } from './dom.ts';
import { label, setText, t, toggleLanguage } from './i18n.ts';
import { navFor, roleLabel } from './roles.ts';
import { currentUser, passwordDue } from './session.ts';

/** Rebuilt on every route change, so it always shows who is signed in now. */
export function renderHeader(header: HTMLElement): void {
  const user = currentUser();
  const langSwitch = h('button', { type: 'button', 'data-testid': 'lang-switch', class: 'header-button' });
  setText(langSwitch, () => t('lang.switch'));
  langSwitch.addEventListener('click', toggleLanguage);

  const brand = h('div', { class: 'brand' }, h('span', { class: 'brand-name' }, '留痕'), label('app.subtitle'));
  if (user === null) {
    header.replaceChildren(brand, h('div', { class: 'header-right' }, langSwitch));
    return;
  }

  const nav = h('nav', { class: 'header-nav' });
  // A one-time password still to change opens nothing else: no links to pages that would refuse.
  const due = passwordDue();
  for (const item of due ? [] : navFor(user.role)) {
    const link = h('a', { href: item.href }, label(item.key));
    if (location.hash.startsWith(item.href)) link.classList.add('active');
    nav.append(link);
  }
  const role = h('span', { 'data-testid': 'user-role', class: 'user-role' });
  setText(role, () => roleLabel(user.role));
  const signOutButton = h('button', { type: 'button', 'data-testid': 'sign-out', class: 'header-button' }, label('header.signOut'));
  signOutButton.addEventListener('click', () => {
    signOutButton.disabled = true;
    void signOut()
      .catch(() => undefined)
      .finally(() => location.replace('#/sign-in'));
  });
  header.replaceChildren(
    brand,
    nav,
    h(
      'div',
      { class: 'header-right' },
      h('span', { 'data-testid': 'user-name', class: 'user-name' }, user.name),
      role,
      ...(due ? [] : [h('a', { href: '#/password', 'data-testid': 'change-password', class: 'header-button' }, label('header.changePassword'))]),
      langSwitch,
      signOutButton,
    ),
  );
}
