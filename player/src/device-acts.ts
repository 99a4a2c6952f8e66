/**
 * The admin's acts on one device, in a card outside the list (the list reloads every few
 * seconds and would take a half-typed form with it): hand a body camera to another officer, or
 * revoke a device with a reason, which the audit log keeps.
 */
import { assignDevice, revokeDevice } from './api-devices.ts';
import { deviceErrorText } from './device-register-form.ts';
import { h } from './dom.ts';
import { field } from './form-field.ts';
import { label, setText, t, type MessageKey } from './i18n.ts';
import type { Device } from './types.ts';

export type DeviceAct = 'assign' | 'revoke';

export interface DeviceActs {
  el: HTMLElement;
  open(device: Device, act: DeviceAct): void;
}

export function createDeviceActs(signal: AbortSignal, onDone: () => void): DeviceActs {
  const title = h('h2');
  const value = h('input', { name: 'value', 'data-testid': 'devact-value', size: '32', required: '' });
  const fieldSlot = h('div', { class: 'filters' });
  const hint = h('p', { class: 'notice' });
  const confirm = h('button', { type: 'submit', class: 'primary', 'data-testid': 'devact-confirm' }, label('devact.confirm'));
  const cancel = h('button', { type: 'button', class: 'secondary' }, label('devact.cancel'));
  const status = h('p', { role: 'status', 'data-testid': 'devact-status', hidden: '' });
  const form = h('form', { class: 'card', 'data-testid': 'device-acts', hidden: '' }, title, fieldSlot, hint, h('div', { class: 'filters' }, confirm, cancel), status);
  let current: { device: Device; act: DeviceAct } | null = null;

  const say = (text: () => string, isError: boolean) => {
    status.hidden = false;
    status.className = isError ? 'form-error' : 'notice';
    setText(status, text);
  };

  cancel.addEventListener('click', () => {
    form.hidden = true;
    current = null;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (current === null) return;
    const { device, act } = current;
    const given = value.value.trim();
    confirm.disabled = true;
    (act === 'assign' ? assignDevice(device.id, given, signal) : revokeDevice(device.id, given, signal))
      .then(() => {
        say(() => (act === 'assign' ? t('devact.assigned', { id: device.id, badge: given }) : t('devact.revoked', { id: device.id })), false);
        value.value = '';
        current = null;
        onDone();
      })
      .catch((err: unknown) => {
        if (!signal.aborted) say(() => deviceErrorText(err), true);
      })
      .finally(() => {
        confirm.disabled = false;
      });
  });

  return {
    el: form,
    open(device, act) {
      current = { device, act };
      setText(title, () => t(act === 'assign' ? 'devact.assignTitle' : 'devact.revokeTitle', { name: device.name }));
      const key: MessageKey = act === 'assign' ? 'devact.newOfficer' : 'devact.reason';
      value.value = '';
      value.maxLength = act === 'assign' ? 32 : 200;
      fieldSlot.replaceChildren(field(key, value));
      hint.hidden = act !== 'revoke';
      setText(hint, () => t('devact.revokeHint'));
      status.hidden = true;
      form.dataset.act = act;
      form.dataset.deviceId = device.id;
      form.hidden = false;
      form.scrollIntoView({ block: 'nearest' });
      value.focus();
    },
  };
}
