/**
 * Whether a device's live feed is watched, as the sealer asks for every segment it seals (the
 * wall's rendition is made only for watched feeds: server/playback/live-watch.ts). A device's
 * `watched_until` only ever moves later, so while the last one read is still ahead nothing needs
 * reading; otherwise the row is read again at most every READ_EVERY_MS. Sealing then reads
 * live_watches about once a segment per watched device at the end of its watch, not once a
 * segment per device; a viewer who starts watching gets renditions from the next segment or so.
 */
import type { Clock } from '../clock.ts';
import type { LiveWatchRepository } from '../db/live-watch-repository.ts';

export const READ_EVERY_MS = 2_000;

export class WatchedFeeds {
  /** device id → the watched_until last read ('' when none) and when it was read */
  private readonly known = new Map<string, { until: string; readAt: number }>();

  constructor(
    private readonly watches: LiveWatchRepository,
    private readonly clock: Clock,
  ) {}

  /** Whether someone watches the device at `at` (an ISO time about now). */
  async watchedAt(deviceId: string, at: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const known = this.known.get(deviceId);
    if (known && (known.until > at || now - known.readAt < READ_EVERY_MS)) return known.until > at;
    const until = (await this.watches.watchedUntil(deviceId)) ?? '';
    this.known.set(deviceId, { until, readAt: now });
    return until > at;
  }
}
