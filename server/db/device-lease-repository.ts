import { Repository } from './repository.ts';

/** A lease taken; `from`: the node whose lapsed lease it was. */
export interface LeaseTaken {
  ok: true;
  from?: { node: string; renewedAt: string };
}

/** Which node records each live device (server/cluster/device-leases.ts). */
export class DeviceLeaseRepository extends Repository {
  /**
   * Takes the device's lease for `nodeId` when it is free, lapsed (renewed before `liveSince`) or
   * already this node's; otherwise returns the node holding it. `from`: the other node whose lapsed
   * lease was taken (it died recording the device). Two nodes trying at once: the row read is
   * replaced only if it is still the same, so one wins and the other sees the winner.
   */
  async acquire(deviceId: string, nodeId: string, now: string, liveSince: string): Promise<LeaseTaken | { ok: false; holder: string }> {
    // A row changed between the read and the write (another node took or released it): read again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const held = await this.db.selectFrom('device_leases').select(['node_id', 'renewed_at']).where('device_id', '=', deviceId).executeTakeFirst();
      if (!held) {
        const r = await this.db
          .insertInto('device_leases')
          .values({ device_id: deviceId, node_id: nodeId, acquired_at: now, renewed_at: now })
          .onConflict((oc) => oc.column('device_id').doNothing())
          .executeTakeFirst();
        if ((r.numInsertedOrUpdatedRows ?? 0n) > 0n) return { ok: true };
        continue;
      }
      const mine = held.node_id === nodeId;
      if (!mine && held.renewed_at >= liveSince) return { ok: false, holder: held.node_id };
      const r = await this.db
        .updateTable('device_leases')
        .set({ node_id: nodeId, acquired_at: now, renewed_at: now })
        .where('device_id', '=', deviceId)
        .where('node_id', '=', held.node_id)
        .where('renewed_at', '=', held.renewed_at)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) return mine ? { ok: true } : { ok: true, from: { node: held.node_id, renewedAt: held.renewed_at } };
    }
    throw new Error(`device lease of ${deviceId}: neither taken nor held`);
  }

  /** Moves the renewal of this node's leases on these devices, in one statement; returns how many it still holds. */
  async renew(nodeId: string, deviceIds: string[], now: string): Promise<number> {
    if (deviceIds.length === 0) return 0;
    const r = await this.db.updateTable('device_leases').set({ renewed_at: now }).where('node_id', '=', nodeId).where('device_id', 'in', deviceIds).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Gives up this node's lease on a device; one another node has taken since is left alone. */
  async release(deviceId: string, nodeId: string): Promise<void> {
    await this.db.deleteFrom('device_leases').where('device_id', '=', deviceId).where('node_id', '=', nodeId).execute();
  }

  /**
   * Lets the device go to the next node to take it, as a lapsed lease of this node's: that node is
   * told whose it was (`from`) and continues this node's recording of the device.
   */
  async handOver(deviceId: string, nodeId: string): Promise<void> {
    await this.db
      .updateTable('device_leases')
      .set({ renewed_at: new Date(0).toISOString() })
      .where('device_id', '=', deviceId)
      .where('node_id', '=', nodeId)
      .execute();
  }

  /** Gives up every lease of this node (a clean stop). */
  async releaseAll(nodeId: string): Promise<void> {
    await this.db.deleteFrom('device_leases').where('node_id', '=', nodeId).execute();
  }

  /** The lease rows of these devices, lapsed ones included: who holds each and when it was renewed. */
  async leasesOf(deviceIds: string[]): Promise<Array<{ device_id: string; node_id: string; renewed_at: string }>> {
    if (deviceIds.length === 0) return [];
    return this.db.selectFrom('device_leases').select(['device_id', 'node_id', 'renewed_at']).where('device_id', 'in', deviceIds).execute();
  }

  /** The node whose lease on the device was renewed at or after `liveSince`, if any. */
  async holder(deviceId: string, liveSince: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('device_leases').select('node_id').where('device_id', '=', deviceId).where('renewed_at', '>=', liveSince).executeTakeFirst();
    return row?.node_id;
  }
}
