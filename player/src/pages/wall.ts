import { describeError, getLive } from '../api.ts';
import { h } from '../dom.ts';
import { FeedTile } from '../feed-tile.ts';
import { label, setText, t } from '../i18n.ts';
import type { PageContext } from '../router.ts';
import type { LiveFeed } from '../types.ts';

const REFRESH_MS = 5000;

export function wallPage({ root, signal }: PageContext): void {
  const status = h('p', { class: 'notice', hidden: '' });
  const grid = h('div', { class: 'wall-grid' });
  root.append(h('h1', {}, label('wall.title')), status, grid);

  const tiles = new Map<string, FeedTile>();

  // New tiles go at the end and existing ones never move: moving a <video> in the DOM pauses it.
  const reconcile = (feeds: LiveFeed[]): void => {
    const seen = new Set(feeds.map((f) => f.deviceId));
    for (const [deviceId, tile] of tiles) {
      if (seen.has(deviceId)) continue;
      tile.destroy();
      tile.el.remove();
      tiles.delete(deviceId);
    }
    for (const feed of feeds) {
      const tile = tiles.get(feed.deviceId);
      if (tile !== undefined) {
        tile.update(feed);
      } else {
        const created = new FeedTile(feed);
        tiles.set(feed.deviceId, created);
        grid.append(created.el);
      }
    }
  };

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async (): Promise<void> => {
    try {
      const { feeds } = await getLive(signal);
      reconcile(feeds);
      status.hidden = feeds.length > 0;
      status.classList.remove('error');
      setText(status, () => t('wall.empty'));
    } catch (err) {
      if (signal.aborted) return;
      // The tiles play on from their own sessions; only the list could not be refreshed.
      status.hidden = false;
      status.classList.add('error');
      setText(status, () => t('wall.refreshFailed', { error: describeError(err) }));
    }
    refreshTimer = setTimeout(() => void refresh(), REFRESH_MS);
  };

  const ticker = setInterval(() => {
    for (const tile of tiles.values()) tile.tick();
  }, 1000);

  signal.addEventListener('abort', () => {
    clearTimeout(refreshTimer);
    clearInterval(ticker);
    for (const tile of tiles.values()) tile.destroy();
  });

  void refresh();
}
