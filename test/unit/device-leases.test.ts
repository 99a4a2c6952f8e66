/**
 * A node's device leases (server/cluster/device-leases.ts): a claim of a lapsed lease names the dead
 * node it takes the device from, a database that fails lets the publish through, a session's late
 * release leaves the next session's lease alone, renewal keeps a device past the lease time, and a
 * clean stop frees every device.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { DeviceLeases } from '../../server/cluster/device-leases.ts';
import { DEFAULT_NODE_TIMINGS, NODE_LEASE_MS } from '../../server/cluster/node-presence.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { DeviceLeaseRepository } from '../../server/db/device-lease-repository.ts';
import { waitFor } from '../helpers/wait.ts';

const log = pino({ level: 'silent' });
const now = () => new Date().toISOString();

describe('device leases of a node', () => {
  let db: Db;
  let repo: DeviceLeaseRepository;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
    repo = new DeviceLeaseRepository(db);
  });
  afterEach(async () => db.destroy());

  it('refuse a device another live node holds, naming it', async () => {
    const a = new DeviceLeases(repo, 'node-a', log);
    const b = new DeviceLeases(repo, 'node-b', log);
    expect(await a.claim('dev-1', 's1')).toEqual({});
    expect(await b.claim('dev-1', 's2')).toEqual({ holder: 'node-a' });
  });

  it('name the node whose lapsed lease a claim takes over', async () => {
    const a = new DeviceLeases(repo, 'node-a', log);
    await a.claim('dev-1', 's1');
    const [held] = await db.selectFrom('device_leases').select('renewed_at').execute();
    const later = { now: () => new Date(Date.now() + NODE_LEASE_MS + 1000) };
    expect(await new DeviceLeases(repo, 'node-b', log, later).claim('dev-1', 's2')).toEqual({ takenOver: { node: 'node-a', renewedAt: held!.renewed_at } });
    // A released lease was given up, not lost: whoever takes it next takes over no one.
    expect(await new DeviceLeases(repo, 'node-c', log).claim('dev-2', 's3')).toEqual({});
  });

  it('let a publish through when the database does not answer', async () => {
    const broken = { acquire: () => Promise.reject(new Error('connection refused')) } as unknown as DeviceLeaseRepository;
    expect(await new DeviceLeases(broken, 'node-a', log).claim('dev-1', 's1')).toEqual({});
  });

  it('keep the lease of a new session when the one before ends after it began', async () => {
    const a = new DeviceLeases(repo, 'node-a', log);
    await a.claim('dev-1', 's1');
    const claimed = a.claim('dev-1', 's2');
    a.release('dev-1', 's1');
    await claimed;
    // The first session's end, arriving again late: neither may give up the second session's lease.
    a.release('dev-1', 's1');
    await sleep(50);
    expect(await repo.holder('dev-1', new Date(Date.now() - NODE_LEASE_MS).toISOString())).toBe('node-a');
    a.release('dev-1', 's2');
    await waitFor('the second session to give it up', async () => (await repo.holder('dev-1', new Date(Date.now() - NODE_LEASE_MS).toISOString())) === undefined, 2000, 10);
  });

  it('renew held devices every beat and free them all at a clean stop', async () => {
    const a = new DeviceLeases(repo, 'node-a', log, systemClock, { ...DEFAULT_NODE_TIMINGS, beatMs: 20 });
    await a.claim('dev-1', 's1');
    await a.claim('dev-2', 's2');
    const claimedAt = now();
    a.start();
    await waitFor('a renewal', async () => (await db.selectFrom('device_leases').select('renewed_at').where('device_id', '=', 'dev-2').executeTakeFirst())!.renewed_at > claimedAt, 2000, 10);
    a.release('dev-1', 's1');
    await waitFor('dev-1 released', async () => (await repo.holder('dev-1', claimedAt)) === undefined, 2000, 10);
    expect(await repo.holder('dev-2', claimedAt)).toBe('node-a');
    await a.stop();
    expect(await db.selectFrom('device_leases').selectAll().execute()).toEqual([]);
  });
});
