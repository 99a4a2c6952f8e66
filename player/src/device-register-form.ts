/**
 * The admin's card for registering a device: a body camera (officer, unit, name) or a fixed hall
 * camera (RTSP address and credentials, never shown again). The publish URL — the device's key —
 * is shown this once, also as a QR code for the camera's configuration app, and is gone with the page.
 */
import { ApiError, describeError } from './api.ts';
import { addDevice, type NewDevice } from './api-devices.ts';
import { h } from './dom.ts';
import { field } from './form-field.ts';
import { label, setText, t } from './i18n.ts';
import { deviceKindText } from './labels.ts';
import { qrCanvas } from './qr-code.ts';

/** A refusal in words: the one-bodycam rule and bad input say what to fix. */
export function deviceErrorText(err: unknown): string {
  if (err instanceof ApiError && err.code === 'officer_has_bodycam') return t('devreg.officerHasBodycam');
  if (err instanceof ApiError && err.status === 400) return t('devreg.invalid');
  return describeError(err);
}

function input(name: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h('input', { name, 'data-testid': `devreg-${name}`, ...attrs });
}

const given = (el: HTMLInputElement): string | undefined => (el.value.trim() === '' ? undefined : el.value.trim());

export function createDeviceRegisterForm(signal: AbortSignal, onRegistered: () => void): HTMLElement {
  const kind = h('select', { name: 'kind', 'data-testid': 'devreg-kind' }, h('option', { value: 'bodycam' }), h('option', { value: 'fixed' }));
  setText(kind.options[0]!, () => deviceKindText('bodycam'));
  setText(kind.options[1]!, () => deviceKindText('fixed'));
  const officer = input('officer', { size: '16', maxlength: '32' });
  const unit = input('unit', { size: '16', maxlength: '64' });
  const name = input('name', { size: '24', maxlength: '100' });
  const rtspUrl = input('rtspUrl', { size: '40', placeholder: 'rtsp://192.168.1.20:554/stream1' });
  const rtspUser = input('rtspUser', { size: '16', autocomplete: 'off' });
  const rtspPassword = input('rtspPassword', { type: 'password', size: '16', autocomplete: 'new-password' });
  const rtspHint = h('p', { class: 'notice' });
  setText(rtspHint, () => t('devreg.rtspHint'));
  const bodycamFields = h('div', { class: 'filters' }, field('devreg.officer', officer));
  const fixedFields = h('div', {}, h('div', { class: 'filters' }, field('devreg.rtspUrl', rtspUrl), field('devreg.rtspUser', rtspUser), field('devreg.rtspPassword', rtspPassword)), rtspHint);
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'devreg-submit' }, label('devreg.submit'));
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: '' });
  const result = h('div', { 'data-testid': 'devreg-result', hidden: '' });

  const showKind = () => {
    bodycamFields.hidden = kind.value !== 'bodycam';
    fixedFields.hidden = kind.value !== 'fixed';
    rtspUrl.required = kind.value === 'fixed';
    officer.required = kind.value === 'bodycam';
  };
  kind.addEventListener('change', showKind);
  showKind();

  const showPublishUrl = async (deviceId: string, publishUrl: string) => {
    const headline = h('strong');
    setText(headline, () => t('devreg.registered', { id: deviceId }));
    const warning = h('p', { class: 'notice error' });
    setText(warning, () => t('devreg.once'));
    const qr = h('figure', { class: 'publish-qr' });
    try {
      const caption = h('figcaption');
      setText(caption, () => t('devreg.qr'));
      qr.append(await qrCanvas(publishUrl, 'devreg-qr'), caption);
    } catch (err) {
      setText(qr, () => t('devreg.qrFailed', { error: String(err) }));
    }
    result.replaceChildren(
      headline,
      h('dl', { class: 'info' }, h('dt', {}, label('devreg.publishUrl')), h('dd', {}, h('code', { class: 'mono', 'data-testid': 'devreg-publish-url' }, publishUrl))),
      warning,
      qr,
    );
    result.hidden = false;
  };

  const form = h(
    'form',
    { class: 'card', 'data-testid': 'device-register' },
    h('h2', {}, label('devreg.title')),
    h('div', { class: 'filters' }, field('devreg.kind', kind), field('devreg.name', name), field('devreg.unit', unit)),
    bodycamFields,
    fixedFields,
    submit,
    problem,
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    problem.hidden = true;
    result.hidden = true;
    result.replaceChildren();
    const device: NewDevice =
      kind.value === 'fixed'
        ? { kind: 'fixed', name: given(name), unit: given(unit), rtspUrl: given(rtspUrl), rtspUser: given(rtspUser), rtspPassword: rtspPassword.value === '' ? undefined : rtspPassword.value }
        : { kind: 'bodycam', name: given(name), unit: given(unit), officerBadge: given(officer) };
    addDevice(device, signal)
      .then(async ({ device: added, publishUrl }) => {
        // The credentials were only on their way to the server: they do not stay in the form.
        for (const el of [officer, name, rtspUrl, rtspUser, rtspPassword]) el.value = '';
        await showPublishUrl(added.id, publishUrl);
        onRegistered();
      })
      .catch((err: unknown) => {
        if (signal.aborted) return;
        problem.hidden = false;
        setText(problem, () => deviceErrorText(err));
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
