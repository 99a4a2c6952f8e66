/**
 * The small forms of the case pages: a card with a heading, labelled fields, a submit button and
 * a line for the server's refusal. `submit` throws to show the error; on success the page reloads
 * what it shows.
 */
import { describeError } from './api.ts';
import { h } from './dom.ts';
import { label, setText, t, type MessageKey } from './i18n.ts';

export type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

let nextId = 0;

export function input(type = 'text', attrs: Record<string, string> = {}): HTMLInputElement {
  return h('input', { type, ...attrs });
}

/** A select whose option texts follow the language. */
export function select<T extends string>(values: readonly T[], text: (v: T) => string): HTMLSelectElement {
  return h(
    'select',
    {},
    ...values.map((v) => {
      const option = h('option', { value: v });
      setText(option, () => text(v));
      return option;
    }),
  );
}

export function textarea(): HTMLTextAreaElement {
  return h('textarea', { rows: '2', maxlength: '2000' });
}

export function caseForm(titleKey: MessageKey, fields: [MessageKey, Field][], submit: () => Promise<void>, testId: string, errorText: (err: unknown) => string = describeError): HTMLFormElement {
  const error = h('p', { class: 'form-error', hidden: '' });
  const button = h('button', { type: 'submit', class: 'primary' }, label('case.submit'));
  const form = h(
    'form',
    { class: 'card case-form', 'data-testid': testId },
    h('h3', {}, label(titleKey)),
    h(
      'div',
      { class: 'filters' },
      ...fields.map(([key, field]) => {
        field.id ||= `case-field-${++nextId}`;
        return h('div', { class: 'filter' }, h('label', { for: field.id }, label(key)), field);
      }),
      button,
    ),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    submit()
      .catch((err: unknown) => {
        error.hidden = false;
        setText(error, () => t('case.failed', { error: errorText(err) }));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return form;
}
