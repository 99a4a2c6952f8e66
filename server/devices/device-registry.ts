/**
 * The device registry (001 §34: a custodian manages devices). A device's publish credential is
 * shown once when it is made and only its hash is kept.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { Db } from '../db/database.ts';
import type { Device } from '../db/schema.ts';
import { DeviceNotFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { unitSchema } from '../units.ts';

export const newDeviceSchema = z.object({
  kind: z.enum(['bodycam', 'fixed']),
  officerBadge: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'badge numbers are 1–32 letters, digits, - or _').optional(),
  name: z.string().trim().min(1).max(100).optional(),
  /** the unit (执法单位) that owns the device and its recordings; commanders see their unit's */
  unit: unitSchema.default('default'),
});
export type NewDevice = z.input<typeof newDeviceSchema>;

export interface IssuedDevice {
  device: Device;
  /** shown once; never stored */
  credential: string;
}

export function credentialHash(credential: string): string {
  return sha256Hex(`liuhen-device-credential:${credential}`);
}

export class DeviceRegistry {
  private readonly changeListeners: (() => Promise<void>)[] = [];

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  /** The publish gate listens, so a device registered in this process can publish at once. */
  onChange(listener: () => Promise<void>): void {
    this.changeListeners.push(listener);
  }

  private async changed(): Promise<void> {
    await Promise.all(this.changeListeners.map((l) => l()));
  }

  async add(input: NewDevice, actor: string): Promise<IssuedDevice> {
    const spec = newDeviceSchema.parse(input);
    const credential = randomBytes(24).toString('base64url');
    const device: Device = {
      id: newId(spec.kind === 'bodycam' ? 'bc' : 'fx'),
      kind: spec.kind,
      name: spec.name ?? (spec.officerBadge ? `${spec.kind} ${spec.officerBadge}` : spec.kind),
      officer_badge: spec.officerBadge ?? null,
      credential_hash: credentialHash(credential),
      state: 'active',
      created_at: new Date().toISOString(),
      revoked_at: null,
      unit: spec.unit,
    };
    await this.db.insertInto('devices').values(device).execute();
    await this.changed();
    await this.audit.record({ actor, action: 'device.add', subject: device.id, outcome: 'ok', detail: { kind: device.kind, officerBadge: device.officer_badge } });
    return { device, credential };
  }

  async revoke(id: string, actor: string): Promise<Device> {
    const revokedAt = new Date().toISOString();
    const result = await this.db.updateTable('devices').set({ state: 'revoked', revoked_at: revokedAt }).where('id', '=', id).where('state', '=', 'active').executeTakeFirst();
    const device = await this.get(id);
    if (Number(result.numUpdatedRows) > 0) {
      await this.audit.record({ actor, action: 'device.revoke', subject: id, outcome: 'ok' });
      await this.changed();
    }
    return device;
  }

  async get(id: string): Promise<Device> {
    const device = await this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    if (!device) throw new DeviceNotFound(id);
    return device;
  }

  list(): Promise<Device[]> {
    return this.db.selectFrom('devices').selectAll().orderBy('created_at').execute();
  }
}
