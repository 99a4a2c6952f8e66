import { h } from './dom.ts';
import { label, type MessageKey, setText } from './i18n.ts';

/** A definition list of labelled facts; each value is re-read on a language switch. */
export function infoList(rows: [MessageKey, () => string][]): HTMLDListElement {
  const dl = h('dl', { class: 'info' });
  for (const [key, value] of rows) {
    const dd = h('dd');
    setText(dd, value);
    dl.append(h('dt', {}, label(key)), dd);
  }
  return dl;
}
