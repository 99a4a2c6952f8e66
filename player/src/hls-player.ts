import Hls, { type HlsConfig } from 'hls.js/light';

export interface FatalError {
  type: string;
  details: string;
}

export interface Playback {
  /** wall-clock time of the frame on screen (EXT-X-PROGRAM-DATE-TIME), null until known */
  playingDate(): Date | null;
  destroy(): void;
}

export interface AttachOptions {
  live?: boolean;
  /** seconds; where a replay resumes after its session was renewed */
  startPosition?: number;
  onFatal?: (error: FatalError) => void;
  /** each time hls.js loads the playlist: how many segments it lists, whether it has ended (a replay's held tail, marked-prefix.ts) */
  onPlaylist?: (playlist: { segments: number; ended: boolean }) => void;
}

/**
 * The wall watches, it does not rewind: stay one and a half segments from the live edge (one is
 * too few with 2 s segments: the next appears only after a playlist refresh, and the picture
 * stalls), play up to 25 % faster to get back there after start-up or a stall, jump back after
 * falling far behind (a tab in the background), and keep little back buffer so a wall of many
 * tiles holds its memory for hours.
 */
const LIVE: Partial<HlsConfig> = {
  liveSyncDurationCount: 1.5,
  maxLiveSyncPlaybackRate: 1.25,
  liveMaxLatencyDurationCount: 4,
  backBufferLength: 10,
};

/**
 * A replay's segment URLs are signed; once one answers 403 it will not heal, and hls.js's default
 * of six retries stalls the picture for half a minute before the page may renew the session.
 * Two quick retries still ride out a passing network fault.
 */
const REPLAY: Partial<HlsConfig> = {
  fragLoadPolicy: {
    default: {
      ...Hls.DefaultConfig.fragLoadPolicy.default,
      errorRetry: { maxNumRetry: 2, retryDelayMs: 1000, maxRetryDelayMs: 2000 },
    },
  },
};

export function isNetworkError(error: FatalError): boolean {
  return error.type === Hls.ErrorTypes.NETWORK_ERROR;
}

/**
 * Plays `playlistUrl` in `video`. hls.js is asked first: this Chromium also plays HLS natively,
 * which would bypass hls.js and with it `playingDate` and the error details. A fatal error is
 * written to the container's `data-fatal-error` as `type/details`; a new attach clears it.
 */
export function attachPlaylist(container: HTMLElement, video: HTMLVideoElement, playlistUrl: string, options: AttachOptions = {}): Playback {
  container.dataset.fatalError = '';
  const fatal = (error: FatalError): void => {
    container.dataset.fatalError = `${error.type}/${error.details}`;
    options.onFatal?.(error);
  };

  if (Hls.isSupported()) {
    const hls = new Hls({ ...(options.live ? LIVE : REPLAY), startPosition: options.startPosition ?? -1 });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) fatal({ type: data.type, details: data.details });
      // The 360p variant stops growing while the rendition worker is behind or down: the
      // originals always keep up, so a stalled wall tile moves to them.
      if (options.live && data.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR && hls.autoLevelCapping === 0 && hls.levels.length > 1) {
        hls.autoLevelCapping = -1;
        hls.nextLevel = hls.levels.length - 1;
      }
    });
    // A live session's master offers the 360p rendition beside the originals (levels are sorted
    // by bandwidth): a wall of many tiles plays the lightest.
    if (options.live)
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        hls.autoLevelCapping = 0;
      });
    hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => options.onPlaylist?.({ segments: data.details.fragments.length, ended: !data.details.live }));
    hls.loadSource(playlistUrl);
    hls.attachMedia(video);
    return {
      playingDate: () => hls.playingDate,
      destroy: () => hls.destroy(),
    };
  }

  const onError = (): void => {
    const code = video.error?.code;
    fatal({
      type: code === MediaError.MEDIA_ERR_NETWORK ? Hls.ErrorTypes.NETWORK_ERROR : Hls.ErrorTypes.MEDIA_ERROR,
      details: `nativeMediaError${code ?? ''}`,
    });
  };
  const onMetadata = (): void => {
    if (options.startPosition !== undefined) video.currentTime = options.startPosition;
  };
  video.addEventListener('error', onError);
  video.addEventListener('loadedmetadata', onMetadata, { once: true });
  video.src = playlistUrl;
  return {
    playingDate: () => null,
    destroy: () => {
      video.removeEventListener('error', onError);
      video.removeEventListener('loadedmetadata', onMetadata);
      video.removeAttribute('src');
      video.load();
    },
  };
}
