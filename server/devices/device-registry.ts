/**
 * The device registry (001 §34: a custodian manages devices). A device's publish credential is
 * shown once when it is made and only its hash is kept.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { Repositories } from '../db/repositories.ts';
import type { DeviceRepository } from '../db/device-repository.ts';
import type { Device } from '../db/schema.ts';
import { violates } from '../db/unique-violation.ts';
import { InvalidInput, OfficerHasBodycam } from '../errors.ts';
import { newId } from '../ids.ts';
import { badgeSchema } from '../badges.ts';
import { unitSchema } from '../units.ts';
import { rtspColumns, rtspInputSchema } from './fixed-camera.ts';
import { type Clock, systemClock } from '../clock.ts';

export const newDeviceSchema = z
  .object({
    kind: z.enum(['bodycam', 'fixed']),
    officerBadge: badgeSchema.optional(),
    name: z.string().trim().min(1).max(100).optional(),
    /** the unit (执法单位) that owns the device and its recordings; commanders see their unit's */
    unit: unitSchema.default('default'),
    /** fixed cameras are pulled over RTSP (credentials in the URL or given apart) */
    ...rtspInputSchema.partial().shape,
  })
  .refine((d) => d.kind === 'fixed' || !d.rtspUrl, { message: 'only fixed cameras are pulled over RTSP', path: ['rtspUrl'] });
export type NewDevice = z.input<typeof newDeviceSchema>;

export const assignmentSchema = z.object({ officerBadge: badgeSchema });

/** What cuts a device's RTMP stream: liuhen itself or an ffmpeg process; null: as the server is set (LIUHEN_CUTTER). */
export const cutterSettingSchema = z.object({ cutter: z.enum(['in-process', 'ffmpeg']).nullable() });

const ONE_BODYCAM_PER_OFFICER = { name: 'devices_one_bodycam_per_officer', table: 'devices', columns: ['officer_badge'] };

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
  private readonly devices: DeviceRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    /** seals fixed cameras' RTSP credentials */
    private readonly secretsKey: Buffer,
    private readonly clock: Clock = systemClock,
  ) {
    this.devices = repos.devices;
  }

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
      created_at: this.clock.now().toISOString(),
      revoked_at: null,
      unit: spec.unit,
      ...(spec.rtspUrl ? rtspColumns({ ...spec, rtspUrl: spec.rtspUrl }, this.secretsKey) : { rtsp_url: null, rtsp_secret: null }),
      last_seen_at: null,
      health_at: null,
      battery_pct: null,
      storage_free_mb: null,
      clock_drift_ms: null,
      health_flags: null,
      error: null,
      error_at: null,
      cutter: null,
    };
    const write = () => this.devices.add(device);
    if (device.kind === 'bodycam' && device.officer_badge !== null) await this.onlyBodycamOf(device.officer_badge, device.id, write);
    else await write();
    await this.changed();
    await this.audit.record({ actor, action: 'device.add', subject: device.id, outcome: 'ok', detail: { kind: device.kind, officerBadge: device.officer_badge } });
    return { device, credential };
  }

  /** Hands a body camera to another officer (004 §16: still one per officer). */
  async assign(id: string, officerBadge: string, actor: string): Promise<Device> {
    const { officerBadge: badge } = assignmentSchema.parse({ officerBadge });
    const device = await this.get(id);
    if (device.kind !== 'bodycam') throw new InvalidInput(`${id} is a fixed camera; only body cameras are assigned to officers`);
    if (device.state !== 'active') throw new InvalidInput(`${id} is revoked`);
    if (device.officer_badge === badge) return device;
    await this.onlyBodycamOf(badge, id, () => this.devices.assign(id, badge));
    await this.changed();
    await this.audit.record({ actor, action: 'device.assign', subject: id, outcome: 'ok', detail: { from: device.officer_badge, to: badge } });
    return { ...device, officer_badge: badge };
  }

  /** Sets what cuts the device's RTMP stream from its next publish on (null: the server's choice). */
  async setCutter(id: string, cutter: Device['cutter'], actor: string): Promise<Device> {
    const setting = cutterSettingSchema.parse({ cutter });
    const device = await this.get(id);
    if (device.cutter === setting.cutter) return device;
    await this.devices.setCutter(id, setting.cutter);
    await this.changed();
    await this.audit.record({ actor, action: 'device.cutter', subject: id, outcome: 'ok', detail: { from: device.cutter, to: setting.cutter } });
    return { ...device, cutter: setting.cutter };
  }

  /**
   * Runs `write`, which makes `deviceId` the officer's active body camera. The check first gives
   * a clear error; the unique index settles two writes racing past the check.
   */
  private async onlyBodycamOf(badge: string, deviceId: string, write: () => Promise<unknown>): Promise<void> {
    const holder = await this.devices.activeBodycamOf(badge);
    if (holder !== undefined && holder !== deviceId) throw new OfficerHasBodycam(badge, holder);
    try {
      await write();
    } catch (e) {
      if (violates(e, ONE_BODYCAM_PER_OFFICER)) throw new OfficerHasBodycam(badge, (await this.devices.activeBodycamOf(badge)) ?? 'another device');
      throw e;
    }
  }

  async revoke(id: string, actor: string, reason?: string): Promise<Device> {
    const revokedAt = this.clock.now().toISOString();
    const revoked = await this.devices.revoke(id, revokedAt);
    const device = await this.get(id);
    if (revoked) {
      await this.audit.record({ actor, action: 'device.revoke', subject: id, outcome: 'ok', ...(reason === undefined ? {} : { detail: { reason } }) });
      await this.changed();
    }
    return device;
  }

  get(id: string): Promise<Device> {
    return this.devices.get(id);
  }

  list(): Promise<Device[]> {
    return this.devices.list();
  }
}
