/**
 * Device leases on SQLite and PostgreSQL (issue 15): one node holds a device while it renews, a
 * lapsed lease passes to the next node that asks (naming the node it lapsed from), a released one at once; renewing touches only
 * the asking node's leases on the devices it names.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { DeviceLeaseRepository } from '../../server/db/device-lease-repository.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';

const dialects: Array<{ name: string; url: () => Promise<string> }> = [
  { name: 'SQLite', url: async () => `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-device-leases-')), 'liuhen.sqlite')}` },
  { name: 'PostgreSQL', url: freshPostgresDatabase },
];

const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 2, 0, s)).toISOString();
/** the lease time of the tests: 10 s */
const liveSince = (s: number) => at(s - 10);

describe.each(dialects)('device leases on $name', ({ url }) => {
  let db: Db;
  let leases: DeviceLeaseRepository;

  beforeAll(async () => {
    db = await openDatabase(await url());
    leases = new DeviceLeaseRepository(db);
  }, 60_000);
  afterAll(async () => db?.destroy());

  it('are taken by one node, refused to another while renewed, and taken over once lapsed', async () => {
    expect(await leases.acquire('dev-1', 'node-a', at(20), liveSince(20))).toEqual({ ok: true });
    // Asking again is the holder's own renewal.
    expect(await leases.acquire('dev-1', 'node-a', at(21), liveSince(21))).toEqual({ ok: true });
    expect(await leases.acquire('dev-1', 'node-b', at(22), liveSince(22))).toEqual({ ok: false, holder: 'node-a' });
    expect(await leases.renew('node-a', ['dev-1'], at(29))).toBe(1);
    expect(await leases.acquire('dev-1', 'node-b', at(38), liveSince(38))).toEqual({ ok: false, holder: 'node-a' });
    expect(await leases.holder('dev-1', liveSince(38))).toBe('node-a');
    // Not renewed for more than the lease time: node-a is gone, node-b takes the device and is told from whom.
    expect(await leases.holder('dev-1', liveSince(40))).toBeUndefined();
    expect(await leases.acquire('dev-1', 'node-b', at(40), liveSince(40))).toEqual({ ok: true, from: { node: 'node-a', renewedAt: at(29) } });
    expect(await leases.holder('dev-1', liveSince(40))).toBe('node-b');
    // The former holder's renewal and release no longer touch it.
    expect(await leases.renew('node-a', ['dev-1'], at(41))).toBe(0);
    await leases.release('dev-1', 'node-a');
    expect(await leases.holder('dev-1', liveSince(41))).toBe('node-b');
  });

  it('renew only the named devices of the node, and are free at once when released', async () => {
    for (const d of ['dev-2', 'dev-3']) expect(await leases.acquire(d, 'node-a', at(50), liveSince(50))).toEqual({ ok: true });
    expect(await leases.acquire('dev-4', 'node-b', at(50), liveSince(50))).toEqual({ ok: true });
    expect(await leases.renew('node-a', ['dev-2', 'dev-4'], at(55))).toBe(1);
    expect(await leases.holder('dev-3', liveSince(61))).toBeUndefined();
    expect(await leases.holder('dev-2', liveSince(61))).toBe('node-a');
    await leases.release('dev-2', 'node-a');
    expect(await leases.acquire('dev-2', 'node-b', at(56), liveSince(56))).toEqual({ ok: true });
    await leases.releaseAll('node-b');
    expect(await leases.holder('dev-2', liveSince(56))).toBeUndefined();
    expect(await leases.holder('dev-4', liveSince(56))).toBeUndefined();
  });

  it('let exactly one of many nodes asking at once take a free device', async () => {
    const nodes = Array.from({ length: 8 }, (_, i) => `node-${i}`);
    const results = await Promise.all(nodes.map((n) => leases.acquire('dev-5', n, at(70), liveSince(70))));
    const winners = nodes.filter((_, i) => results[i]!.ok);
    expect(winners).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.holder).toBe(winners[0]);
  });
});
