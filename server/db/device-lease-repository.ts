import { Repository } from './repository.ts';

/** Which node records each live device (server/cluster/device-leases.ts). */
export class DeviceLeaseRepository extends Repository {
  /**
   * Takes the device's lease for `nodeId` in one statement, when it is free, lapsed (renewed before
   * `liveSince`) or already this node's; otherwise returns the node holding it. Two nodes trying at
   * once: the row's conflict lets one through and shows the other the winner.
   */
  async acquire(deviceId: string, nodeId: string, now: string, liveSince: string): Promise<{ ok: true } | { ok: false; holder: string }> {
    // A holder that released between the two statements leaves no row: one more try takes it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await this.db
        .insertInto('device_leases')
        .values({ device_id: deviceId, node_id: nodeId, acquired_at: now, renewed_at: now })
        .onConflict((oc) =>
          oc
            .column('device_id')
            .doUpdateSet({ node_id: nodeId, acquired_at: now, renewed_at: now })
            .where((eb) => eb.or([eb('device_leases.renewed_at', '<', liveSince), eb('device_leases.node_id', '=', nodeId)])),
        )
        .executeTakeFirst();
      if ((r.numInsertedOrUpdatedRows ?? 0n) > 0n) return { ok: true };
      const held = await this.db.selectFrom('device_leases').select('node_id').where('device_id', '=', deviceId).executeTakeFirst();
      if (held) return { ok: false, holder: held.node_id };
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
