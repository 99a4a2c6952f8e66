/**
 * The sealer's view of which feeds are watched (server/ledger/watched-feeds.ts) over a real SQLite
 * live_watches table: it reads the table about once per device and READ_EVERY_MS, not once per
 * segment sealed, and still sees a watch that begins, and one that ends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { LiveWatchRepository } from '../../server/db/live-watch-repository.ts';
import { READ_EVERY_MS, WatchedFeeds } from '../../server/ledger/watched-feeds.ts';

const T0 = Date.parse('2026-03-01T08:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe('the feeds the sealer sees watched', () => {
  let db: Db;
  let repo: LiveWatchRepository;
  let reads: number;
  let nowMs: number;
  let feeds: WatchedFeeds;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
    repo = new LiveWatchRepository(db);
    reads = 0;
    const watchedUntil = repo.watchedUntil.bind(repo);
    repo.watchedUntil = (deviceId) => (reads++, watchedUntil(deviceId));
    nowMs = 0;
    feeds = new WatchedFeeds(repo, { now: () => new Date(T0 + nowMs) });
  });
  afterEach(async () => db.destroy());

  /** Seals a 2 s segment of each device every 2 s from `fromMs` to `toMs`; what each saw watched. */
  async function seal(devices: string[], fromMs: number, toMs: number): Promise<boolean[][]> {
    const seen: boolean[][] = [];
    for (nowMs = fromMs; nowMs < toMs; nowMs += 2_000) seen.push(await Promise.all(devices.map((d) => feeds.watchedAt(d, iso(nowMs)))));
    return seen;
  }

  it('reads a device watched for 20 s once, and an unwatched one once every READ_EVERY_MS', async () => {
    await repo.watch('dev-a', iso(20_000));
    expect(await seal(['dev-a'], 0, 20_000)).toEqual(Array(10).fill([true]));
    expect(reads).toBe(1);
    reads = 0;
    expect(await seal(['dev-b'], 20_000, 40_000)).toEqual(Array(10).fill([false]));
    expect(reads).toBe(Math.ceil(20_000 / Math.max(READ_EVERY_MS, 2_000)));
  });

  it('sees a watch begin within READ_EVERY_MS, and end when its time is up', async () => {
    expect(await feeds.watchedAt('dev-a', iso(0))).toBe(false);
    await repo.watch('dev-a', iso(10_000));
    nowMs = READ_EVERY_MS;
    expect(await feeds.watchedAt('dev-a', iso(nowMs))).toBe(true);
    nowMs = 10_000;
    expect(await feeds.watchedAt('dev-a', iso(nowMs))).toBe(false);
    // Another node's viewer extends it: seen at the next read.
    await repo.watch('dev-a', iso(30_000));
    nowMs = 10_000 + READ_EVERY_MS;
    expect(await feeds.watchedAt('dev-a', iso(nowMs))).toBe(true);
  });
});
