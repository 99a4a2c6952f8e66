/**
 * Who watches what live, told to every node: each live playlist a viewer loads says its device is
 * watched for a while yet (LiveWatchRepository), which the sealer reads to ask for the wall's
 * rendition of each new segment, and the worker to make it (workers/segment-live.ts). A player
 * reloads its playlist every segment or so; this node writes at most once per device every
 * WRITE_EVERY_MS, however many viewers it serves.
 */
import type { Clock } from '../clock.ts';
import type { LiveWatchRepository } from '../db/live-watch-repository.ts';

const WRITE_EVERY_MS = 5_000;
/** How long one load keeps a device watched: several reloads' worth, so a slow reload or another node's throttle does not drop it. */
export const WATCHED_FOR_MS = 20_000;

export class LiveWatch {
  /** device id → when this node last wrote it watched */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly watches: LiveWatchRepository,
    private readonly clock: Clock,
  ) {}

  /** A viewer loaded the device's live playlist now. */
  async seen(deviceId: string): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - (this.written.get(deviceId) ?? -Infinity) < WRITE_EVERY_MS) return;
    this.written.set(deviceId, now);
    try {
      await this.watches.watch(deviceId, new Date(now + WATCHED_FOR_MS).toISOString());
    } catch (e) {
      // Not written: the next load tries again.
      this.written.delete(deviceId);
      throw e;
    }
  }
}
