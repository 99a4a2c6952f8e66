import { h } from '../dom.ts';
import { label, setText, t } from '../i18n.ts';
import type { PageContext } from '../router.ts';
import { roleLabel } from '../roles.ts';
import { currentUser } from '../session.ts';

/** For roles that are signed in but have no viewing page (admin, party, agency head, legal). */
export function nothingPage({ root }: PageContext): void {
  const role = currentUser()?.role;
  const body = h('p');
  setText(body, () => t('nothing.body', { role: role === undefined ? '' : roleLabel(role) }));
  root.append(h('section', { class: 'card notice-card' }, h('h1', {}, label('nothing.title')), body));
}
