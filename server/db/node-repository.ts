import type { ClusterNode } from './schema.ts';
import { Repository } from './repository.ts';

/** The nodes of one deployment and their heartbeats (server/cluster/node-presence.ts). */
export class NodeRepository extends Repository {
  async register(node: Omit<ClusterNode, 'stopped_at'>): Promise<void> {
    await this.db.insertInto('nodes').values(node).execute();
  }

  /** Moves a node's heartbeat; false when its row is gone or stopped. */
  async beat(id: string, at: string): Promise<boolean> {
    const r = await this.db.updateTable('nodes').set({ heartbeat_at: at }).where('id', '=', id).where('stopped_at', 'is', null).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * A stopped node records no device, so its device leases go with it: a node killed and started
   * again on its host (systemd's restart) takes its cameras back at once, not after the lease time.
   */
  async markStopped(id: string, at: string): Promise<void> {
    await this.transaction(async (repo) => {
      await repo.db.updateTable('nodes').set({ stopped_at: at }).where('id', '=', id).where('stopped_at', 'is', null).execute();
      await repo.db.deleteFrom('device_leases').where('node_id', '=', id).execute();
    });
  }

  /** The machine a node ran on (os.hostname()), or undefined for a node the registry does not know. */
  async hostOf(id: string): Promise<string | undefined> {
    return (await this.db.selectFrom('nodes').select('host').where('id', '=', id).executeTakeFirst())?.host;
  }

  /** Nodes not stopped whose last heartbeat is at or after `since`, oldest start first. */
  async liveSince(since: string): Promise<ClusterNode[]> {
    return this.db.selectFrom('nodes').selectAll().where('stopped_at', 'is', null).where('heartbeat_at', '>=', since).orderBy('started_at').execute();
  }
}
