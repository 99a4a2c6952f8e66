import { Repository } from './repository.ts';

/**
 * Which devices someone is watching live, shared by every node: the API node serving a viewer
 * says so here (server/playback/live-watch.ts), the node sealing the device's segments and the
 * worker making their wall renditions read it.
 */
export class LiveWatchRepository extends Repository {
  /** The device is watched until `until`; a later time another node already wrote stands. */
  async watch(deviceId: string, until: string): Promise<void> {
    await this.db
      .insertInto('live_watches')
      .values({ device_id: deviceId, watched_until: until })
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ watched_until: until }).where('live_watches.watched_until', '<', until))
      .execute();
  }

  /** Until when someone watches the device; undefined when nobody ever has. */
  async watchedUntil(deviceId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('live_watches').select('watched_until').where('device_id', '=', deviceId).executeTakeFirst();
    return row?.watched_until;
  }

  /** Whether someone watches the device at `at`. */
  async watchedAt(deviceId: string, at: string): Promise<boolean> {
    return ((await this.watchedUntil(deviceId)) ?? '') > at;
  }
}
