/**
 * One live feed on the wall: its own live playback session, played muted, renewed before it
 * expires, and retried a little after a fatal error while the device is still publishing.
 */
import { createPlaybackSession, describeError } from './api.ts';
import { h } from './dom.ts';
import { DASH } from './format.ts';
import { attachPlaylist, type Playback } from './hls-player.ts';
import { label, setText, t } from './i18n.ts';
import { feedStateText } from './labels.ts';
import { createPlayerFrame, type PlayerFrame } from './player-frame.ts';
import type { LiveFeed } from './types.ts';

const RETRY_AFTER_FAILURE_MS = 15_000;
const MIN_RENEW_MS = 5_000;

/**
 * Renew when four fifths of the session's life have passed: early enough to survive a slow
 * request, late enough not to churn sessions (each one is an audited viewing).
 */
function renewDelay(expiresAt: string): number {
  const left = Date.parse(expiresAt) - Date.now();
  // `|| 0`: an unreadable expiry must not become a zero delay and a tight renewal loop.
  return Math.max(MIN_RENEW_MS, left * 0.8 || 0);
}

export class FeedTile {
  readonly el: HTMLElement;
  private readonly frame: PlayerFrame = createPlayerFrame({ live: true });
  private readonly name = h('span', { 'data-testid': 'device-name', class: 'feed-name' });
  private readonly state = h('span', { 'data-testid': 'feed-state', class: 'state' });
  private readonly officer = h('span', { 'data-testid': 'officer-badge' });
  private readonly age = h('span', { 'data-testid': 'segment-age' });
  private readonly latency = h('span', { 'data-testid': 'latency' }, DASH);
  private readonly problem = h('p', { class: 'feed-problem', hidden: '' });
  private readonly closed = new AbortController();
  private playback: Playback | null = null;
  /** the recording the current session plays; a new recording of the device gets a new session */
  private playing: string | null = null;
  private starting = false;
  private failedAt = 0;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private feed: LiveFeed) {
    this.el = h(
      'article',
      { 'data-testid': 'feed-tile', 'data-device-id': feed.deviceId, class: 'feed-tile' },
      this.frame.container,
      h(
        'div',
        { class: 'feed-meta' },
        h('div', { class: 'feed-title' }, this.name, this.state),
        h(
          'div',
          { class: 'feed-facts' },
          h('span', {}, label('feed.officer'), ' ', this.officer),
          h('span', {}, label('feed.lastSegment'), ' ', this.age),
          h('span', {}, label('feed.latency'), ' ', this.latency, ' ', label('feed.seconds')),
        ),
        this.problem,
      ),
    );
    this.update(feed);
  }

  update(feed: LiveFeed): void {
    this.feed = feed;
    this.name.textContent = feed.deviceName;
    this.officer.textContent = feed.officerBadge ?? DASH;
    this.state.className = `state state-${feed.state}`;
    this.state.dataset.state = feed.state;
    setText(this.state, () => feedStateText(feed.state));
    const seconds = feed.lastSegmentAgeSeconds;
    setText(this.age, () => (seconds === null ? DASH : t('feed.secondsAgo', { seconds: Math.round(seconds) })));
    this.reconcile();
  }

  /** Once a second: the latency of the frame on screen. */
  tick(): void {
    const date = this.playback?.playingDate() ?? null;
    this.latency.textContent = date === null ? DASH : ((Date.now() - date.getTime()) / 1000).toFixed(1);
  }

  destroy(): void {
    this.closed.abort();
    this.stop();
    this.frame.destroy();
  }

  /** Brings playback in line with the feed: nothing to play when offline, a fresh session per recording. */
  private reconcile(): void {
    const { state, recordingId } = this.feed;
    if (state === 'offline' || recordingId === null) {
      this.stop();
      this.showProblem(null);
      return;
    }
    if (this.starting || this.closed.signal.aborted) return;
    if (this.playback !== null && this.playing === recordingId) return;
    if (Date.now() - this.failedAt < RETRY_AFTER_FAILURE_MS) return;
    void this.start();
  }

  private async start(): Promise<void> {
    this.starting = true;
    clearTimeout(this.renewTimer);
    const recordingId = this.feed.recordingId;
    try {
      const session = await createPlaybackSession({ deviceId: this.feed.deviceId }, this.closed.signal);
      // The old session plays on until the new one is in hand: a renewal blanks the picture only
      // while the new playlist starts, not for the round trip that creates the session.
      this.playback?.destroy();
      this.frame.watermark.show(session.watermark);
      this.playback = attachPlaylist(this.frame.container, this.frame.video, session.playlistUrl, {
        live: true,
        onFatal: (error) => this.fail(() => t('player.fatal', { details: `${error.type}/${error.details}` })),
      });
      this.playing = recordingId;
      this.showProblem(null);
      this.renewTimer = setTimeout(() => void this.start(), renewDelay(session.expiresAt));
    } catch (err) {
      if (this.closed.signal.aborted) return;
      this.failedAt = Date.now();
      // A failed renewal: the current session still plays for a while, so keep it and try again.
      if (this.playback !== null) this.renewTimer = setTimeout(() => void this.start(), RETRY_AFTER_FAILURE_MS);
      else this.showProblem(() => describeError(err));
    } finally {
      this.starting = false;
    }
    // The feed may have changed (gone offline, new recording) while the session was requested.
    this.reconcile();
  }

  private fail(message: () => string): void {
    this.stop();
    this.failedAt = Date.now();
    this.showProblem(message);
  }

  private stop(): void {
    clearTimeout(this.renewTimer);
    this.playback?.destroy();
    this.playback = null;
    this.playing = null;
    this.failedAt = 0;
    this.frame.watermark.hide();
    this.tick();
  }

  private showProblem(message: (() => string) | null): void {
    this.problem.hidden = message === null;
    setText(this.problem, message ?? (() => ''));
  }
}
