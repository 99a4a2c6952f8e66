import type { Device } from '../db/schema.ts';
import type { NewDevice } from '../devices/device-registry.ts';
import { presentDevice, type DeviceView } from '../devices/present-device.ts';
import { publishUrl } from '../ingest/publish-url.ts';
import type { Core } from '../core.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

export async function deviceAdd(core: Core, input: NewDevice): Promise<number> {
  const { device, credential } = await core.devices.add(input, CLI_ACTOR);
  process.stdout.write(
    `device ${device.id} (${device.kind}${device.officer_badge ? `, officer ${device.officer_badge}` : ''}) registered\n` +
      `publish URL (shown once; keep it secret): ${publishUrl(core.config, device.id, credential)}\n` +
      (device.rtsp_url ? `pulled over RTSP from ${device.rtsp_url}${device.rtsp_secret ? ' (credentials stored sealed)' : ''}\n` : ''),
  );
  return EXIT.ok;
}

export async function deviceRevoke(core: Core, id: string): Promise<number> {
  const device = await core.devices.revoke(id, CLI_ACTOR);
  process.stdout.write(`device ${device.id} is ${device.state}\n`);
  return EXIT.ok;
}

export async function deviceAssign(core: Core, id: string, officerBadge: string): Promise<number> {
  const device = await core.devices.assign(id, officerBadge, CLI_ACTOR);
  process.stdout.write(`device ${device.id} is assigned to officer ${device.officer_badge}\n`);
  return EXIT.ok;
}

export async function deviceCutter(core: Core, id: string, cutter: Device['cutter']): Promise<number> {
  const device = await core.devices.setCutter(id, cutter, CLI_ACTOR);
  process.stdout.write(`device ${device.id} is cut by ${device.cutter ?? `the server's choice (LIUHEN_CUTTER=${core.config.cutter})`} from its next publish on\n`);
  return EXIT.ok;
}

const orDash = (v: string | number | null, unit = '') => (v === null ? '-' : `${v}${unit}`);

function line(d: DeviceView): string {
  const h = d.health;
  const drift = h.clockDriftMs === null ? '-' : `${(h.clockDriftMs / 1000).toFixed(1)}s`;
  return [d.id, d.kind, orDash(d.officerBadge), d.state, orDash(d.lastSeenAt), orDash(h.batteryPct, '%'), orDash(h.storageFreeMb, 'MB'), drift, h.flags.join(',') || '-', d.name].join('\t');
}

export async function devicesList(core: Core, json: boolean): Promise<number> {
  const devices = (await core.devices.list()).map(presentDevice);
  if (json) {
    process.stdout.write(JSON.stringify(devices, null, 2) + '\n');
    return EXIT.ok;
  }
  process.stdout.write('id\tkind\tofficer\tstate\tlast seen\tbattery\tstorage\tdrift\tflags\tname\n');
  for (const d of devices) process.stdout.write(`${line(d)}\n`);
  return EXIT.ok;
}
