/**
 * A player container (`[data-testid=player]`): the video and its watermark, nothing else, so
 * the watermark's random place is always over the video (and watermark.ts keeps it over the
 * picture, off any bars).
 */
import { h } from './dom.ts';
import { createWatermark, type Watermark } from './watermark.ts';

export interface PlayerFrame {
  container: HTMLDivElement;
  video: HTMLVideoElement;
  watermark: Watermark;
  destroy(): void;
}

export function createPlayerFrame(options: { live: boolean }): PlayerFrame {
  const video = h('video', { playsinline: '' });
  // Picture-in-picture and the video's own full screen show the picture without the overlay;
  // full screen is offered on the container instead (see the replay page).
  video.disablePictureInPicture = true;
  video.disableRemotePlayback = true;
  video.setAttribute('controlslist', 'nofullscreen nodownload noremoteplayback');
  if (options.live) {
    // Autoplay is only allowed muted; a wall of tiles would be a cacophony anyway.
    video.muted = true;
    video.defaultMuted = true;
    video.autoplay = true;
  } else {
    video.controls = true;
  }
  const container = h('div', { 'data-testid': 'player', 'data-fatal-error': '', class: 'player' }, video);
  const watermark = createWatermark(container, video);
  return { container, video, watermark, destroy: () => watermark.destroy() };
}
