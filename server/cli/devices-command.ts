import type { NewDevice } from '../devices/device-registry.ts';
import { publishUrl } from '../ingest/publish-url.ts';
import type { Core } from '../liuhen.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';


export async function deviceAdd(core: Core, input: NewDevice): Promise<number> {
  const { device, credential } = await core.devices.add(input, CLI_ACTOR);
  process.stdout.write(
    `device ${device.id} (${device.kind}${device.officer_badge ? `, officer ${device.officer_badge}` : ''}) registered\n` +
      `publish URL (shown once; keep it secret): ${publishUrl(core.config, device.id, credential)}\n`,
  );
  return EXIT.ok;
}

export async function deviceRevoke(core: Core, id: string): Promise<number> {
  const device = await core.devices.revoke(id, CLI_ACTOR);
  process.stdout.write(`device ${device.id} is ${device.state}\n`);
  return EXIT.ok;
}

export async function devicesList(core: Core, json: boolean): Promise<number> {
  const devices = (await core.devices.list()).map(({ credential_hash: _hidden, ...d }) => d);
  if (json) process.stdout.write(JSON.stringify(devices, null, 2) + '\n');
  else for (const d of devices) process.stdout.write(`${d.id}\t${d.kind}\t${d.officer_badge ?? '-'}\t${d.state}\t${d.name}\n`);
  return EXIT.ok;
}
