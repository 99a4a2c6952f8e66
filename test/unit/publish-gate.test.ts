/**
 * The publish gate's reread on demand (server/devices/publish-gate.ts): a device added on another
 * node since the gate's last read is found by the reread its publish asks for; publishes of
 * unknown devices asking together share one read of the registry (junk device ids cannot make each
 * publish a database read); and a publish asking while a read is under way gets a read of its own,
 * since that one may have read the devices before its device was added. The gate reads a real
 * device repository (SQLite in memory), counted; the other node is a device registry of its own
 * over the same database.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { DeviceRepository } from '../../server/db/device-repository.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';
import type { Device } from '../../server/db/schema.ts';
import { DeviceRegistry, type IssuedDevice } from '../../server/devices/device-registry.ts';
import { PublishGate } from '../../server/devices/publish-gate.ts';

/** The real repository, counting the gate's reads and letting a test act once a read has its rows. */
class CountedDevices extends DeviceRepository {
  reads = 0;
  afterRead?: () => Promise<void>;

  override async list(): Promise<Device[]> {
    this.reads++;
    const rows = await super.list();
    const after = this.afterRead;
    this.afterRead = undefined;
    await after?.();
    return rows;
  }
}

describe('the publish gate rereading the devices for an unknown publisher', () => {
  let db: Db;
  let devices: CountedDevices;
  let gate: PublishGate;
  let otherNode: DeviceRegistry;
  const addElsewhere = (badge: string): Promise<IssuedDevice> => otherNode.add({ kind: 'bodycam', officerBadge: badge }, 'test');

  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
    devices = new CountedDevices(db);
    // The periodic reread an hour off: only rereads on demand read the registry here.
    gate = new PublishGate({ devices }, undefined, 3_600_000);
    await gate.start();
    const repos = repositoriesOf(db);
    otherNode = new DeviceRegistry(repos, new AuditLog(repos), randomBytes(32));
  });
  afterEach(async () => {
    gate.stop();
    await db.destroy();
  });

  it('finds a device added elsewhere, reading once for all the publishes asking together', async () => {
    const { device, credential } = await addElsewhere('PG1');
    expect(gate.check(device.id, credential)).toEqual({ ok: false, reason: 'unknown_device' });
    const before = devices.reads;
    await Promise.all(Array.from({ length: 50 }, () => gate.reread()));
    expect(devices.reads - before).toBe(1);
    expect(gate.check(device.id, credential)).toMatchObject({ ok: true, device: { id: device.id } });
  });

  it('reads again for a publish asking while a read is under way, which may have missed its device', async () => {
    let added: IssuedDevice | undefined;
    let askedDuringRead: Promise<void> | undefined;
    devices.afterRead = async () => {
      added = await addElsewhere('PG2');
      askedDuringRead = gate.reread();
    };
    await gate.reread();
    const { device, credential } = added!;
    expect(gate.check(device.id, credential)).toEqual({ ok: false, reason: 'unknown_device' });
    await askedDuringRead;
    expect(gate.check(device.id, credential)).toMatchObject({ ok: true, device: { id: device.id } });
  });
});
