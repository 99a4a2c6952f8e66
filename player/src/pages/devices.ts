import { describeError, getDevices } from '../api.ts';
import { createDeviceActs, type DeviceActs } from '../device-acts.ts';
import { createDeviceRegisterForm } from '../device-register-form.ts';
import { h } from '../dom.ts';
import { refreshList } from '../list-refresh.ts';
import { DASH, formatDateTime } from '../format.ts';
import { label, setText, t, type MessageKey } from '../i18n.ts';
import { chip, deviceKindText, deviceStateText, healthFlagText } from '../labels.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';
import type { Device, HealthFlag } from '../types.ts';

/** Devices report every minute or so; a page left open on a custodian's screen keeps up. */
const REFRESH_MS = 15_000;

const COLUMNS: [MessageKey, string][] = [
  ['col.name', ''],
  ['col.kind', ''],
  ['col.officer', ''],
  ['col.unit', ''],
  ['col.state', ''],
  ['col.lastSeen', ''],
  ['col.battery', 'num'],
  ['col.storage', 'num'],
  ['col.clockDrift', 'num'],
  ['col.flags', ''],
];

function storageText(mb: number | null): string {
  if (mb === null) return DASH;
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`;
}

function driftText(ms: number | null): string {
  if (ms === null) return DASH;
  return t('devices.drift', { seconds: `${ms > 0 ? '+' : ''}${(ms / 1000).toFixed(1)}` });
}

/** A figure cell, in the warning style when `flag` is raised. */
function figure(d: Device, flag: HealthFlag, text: () => string): HTMLTableCellElement {
  const td = h('td', { class: d.health.flags.includes(flag) ? 'num warn' : 'num' });
  setText(td, text);
  return td;
}

/** The admin's buttons on an active device: hand over (body cameras) and revoke. */
function actsCell(d: Device, acts: DeviceActs): HTMLTableCellElement {
  const cell = h('td', { class: 'nowrap' });
  if (d.state !== 'active') return cell;
  const button = (key: MessageKey, act: 'assign' | 'revoke') => {
    const b = h('button', { type: 'button', class: 'secondary', 'data-testid': `device-${act}` }, label(key));
    b.addEventListener('click', () => acts.open(d, act));
    return b;
  };
  if (d.kind === 'bodycam') cell.append(button('devact.assign', 'assign'), ' ');
  cell.append(button('devact.revoke', 'revoke'));
  return cell;
}

function row(d: Device, acts: DeviceActs | null): HTMLTableRowElement {
  const kind = h('td');
  setText(kind, () => deviceKindText(d.kind));
  const state = h('span', { class: `state state-${d.state}` });
  setText(state, () => deviceStateText(d.state));
  const flags = h(
    'td',
    { 'data-testid': 'device-flags', 'data-flags': d.health.flags.join(' ') },
    ...d.health.flags.map((flag) => chip(() => healthFlagText(flag))),
    // Why the server cannot record the device now (a fixed camera's stream refused, say): as sent.
    ...(d.error === null ? [] : [chip(() => d.error ?? '')]),
  );
  return h(
    'tr',
    { 'data-testid': 'device-row', 'data-device-id': d.id },
    // A hall camera's RTSP address, without its credentials (the server never sends them back).
    h('td', {}, d.name, ...(d.rtspUrl === null ? [] : [h('div', { class: 'mono', 'data-testid': 'device-rtsp' }, d.rtspUrl)])),
    kind,
    h('td', {}, d.officerBadge ?? DASH),
    h('td', {}, d.unit),
    h('td', {}, state),
    h('td', { class: 'nowrap' }, formatDateTime(d.lastSeenAt)),
    figure(d, 'low_battery', () => (d.health.batteryPct === null ? DASH : `${d.health.batteryPct}%`)),
    figure(d, 'low_storage', () => storageText(d.health.storageFreeMb)),
    figure(d, 'clock_drift', () => driftText(d.health.clockDriftMs)),
    flags,
    ...(acts === null ? [] : [actsCell(d, acts)]),
  );
}

export function devicesPage({ root, signal }: PageContext): void {
  const status = h('p', { class: 'notice' });
  setText(status, () => t('loading'));
  const body = h('tbody');
  // Only a convenience: the server refuses registering, handing over and revoking to anyone but the admin.
  const isAdmin = currentUser()?.role === 'admin';
  const reload = () => void refresh();
  const acts = isAdmin ? createDeviceActs(signal, reload) : null;
  const columns: [MessageKey, string][] = isAdmin ? [...COLUMNS, ['devact.col', '']] : COLUMNS;
  root.append(
    h('h1', {}, label('devices.title')),
    ...(isAdmin ? [createDeviceRegisterForm(signal, reload)] : []),
    ...(acts === null ? [] : [acts.el]),
    h('div', { class: 'table-scroll' }, h('table', { class: 'data-table' }, h('thead', {}, h('tr', {}, ...columns.map(([key, className]) => h('th', { class: className }, label(key))))), body)),
    status,
  );

  const refresh = refreshList({
    signal,
    target: body,
    status,
    load: async () => (await getDevices(signal)).devices,
    render: (d) => row(d, acts),
    emptyText: () => t('devices.empty'),
    errorText: describeError,
    everyMs: REFRESH_MS,
  });
}
