import { h } from './dom.ts';
import { label, type MessageKey } from './i18n.ts';

/** A form control under its label, as the filter bars and request forms lay them out. */
export function field(key: MessageKey, input: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'filter' }, label(key), input);
}
