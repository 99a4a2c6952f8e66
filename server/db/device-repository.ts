import type { Insertable } from 'kysely';
import { DeviceNotFound } from '../errors.ts';
import { Repository } from './repository.ts';
import type { Device, DeviceHealthReportsTable } from './schema.ts';

/** What a device's last health report puts on it. */
export type DeviceHealthColumns = Pick<Device, 'health_at' | 'last_seen_at' | 'clock_drift_ms' | 'battery_pct' | 'storage_free_mb' | 'health_flags'>;

/** Recorders (body cameras and fixed cameras) and the health reports they send. */
export class DeviceRepository extends Repository {
  async find(id: string): Promise<Device | undefined> {
    return this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async get(id: string): Promise<Device> {
    const device = await this.find(id);
    if (!device) throw new DeviceNotFound(id);
    return device;
  }

  /** Oldest first. */
  async list(): Promise<Device[]> {
    return this.db.selectFrom('devices').selectAll().orderBy('created_at').execute();
  }

  async add(device: Device): Promise<void> {
    await this.db.insertInto('devices').values(device).execute();
  }

  /** The officer's active body camera; the unique index devices_one_bodycam_per_officer keeps it one. */
  async activeBodycamOf(badge: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('devices').select('id').where('kind', '=', 'bodycam').where('state', '=', 'active').where('officer_badge', '=', badge).executeTakeFirst();
    return row?.id;
  }

  async assign(id: string, officerBadge: string): Promise<void> {
    await this.db.updateTable('devices').set({ officer_badge: officerBadge }).where('id', '=', id).execute();
  }

  async setCutter(id: string, cutter: Device['cutter']): Promise<void> {
    await this.db.updateTable('devices').set({ cutter }).where('id', '=', id).execute();
  }

  /** Revokes an active device; false when it was not active. */
  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('devices').set({ state: 'revoked', revoked_at: at }).where('id', '=', id).where('state', '=', 'active').executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The device's health flags (JSON) before a report changes them; undefined when there is no such device. */
  async healthFlags(id: string): Promise<Pick<Device, 'health_flags'> | undefined> {
    return this.db.selectFrom('devices').select('health_flags').where('id', '=', id).executeTakeFirst();
  }

  /** Keeps a health report, and puts what it says on the device. */
  async reportHealth(report: Insertable<DeviceHealthReportsTable>, health: DeviceHealthColumns): Promise<void> {
    await this.db.insertInto('device_health_reports').values(report).execute();
    await this.db.updateTable('devices').set(health).where('id', '=', report.device_id).execute();
  }
}
