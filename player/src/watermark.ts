/**
 * The visible watermark over a video: who is watching, in which playback session, and when. It
 * jumps to a new random place every few seconds so that no fixed crop of a screen recording
 * leaves it out, and the running clock dates any photo of the screen. It moves over the picture
 * only, never over the bars around it (a portrait camera in a landscape box): a crop to the
 * picture would otherwise leave it out.
 */
import { h } from './dom.ts';
import { formatDateTime } from './format.ts';
import { pictureRect } from './picture-rect.ts';
import type { WatermarkText } from './types.ts';

const MOVE_EVERY_MS = 4000;

export interface Watermark {
  show(text: WatermarkText): void;
  hide(): void;
  destroy(): void;
}

/** `area` must be positioned and show `media` with `object-fit: contain`; the watermark is placed inside it, over the picture (a video's, or a photo's). */
export function createWatermark(area: HTMLElement, media: HTMLVideoElement | HTMLImageElement): Watermark {
  const isVideo = media instanceof HTMLVideoElement;
  const pictureSize = () => (isVideo ? { width: media.videoWidth, height: media.videoHeight } : { width: media.naturalWidth, height: media.naturalHeight });
  // A video's picture size is known at `resize`, a photo's once it has loaded.
  const sized = isVideo ? 'resize' : 'load';
  const who = h('div');
  const session = h('div');
  const clock = h('div');
  const el = h('div', { 'data-testid': 'watermark', class: 'watermark', 'aria-hidden': 'true', hidden: '' }, who, session, clock);
  area.append(el);

  const tick = (): void => {
    clock.textContent = formatDateTime(new Date());
  };
  const move = (): void => {
    const picture = pictureRect({ width: area.clientWidth, height: area.clientHeight }, pictureSize());
    // Measured at the picture's corner, where it has all the picture's width: a narrow portrait
    // picture wraps its lines rather than letting them run onto the bars.
    el.style.maxWidth = `${Math.floor(picture.width)}px`;
    el.style.left = `${Math.round(picture.left)}px`;
    const x = picture.left + Math.random() * Math.max(0, picture.width - el.offsetWidth);
    const y = picture.top + Math.random() * Math.max(0, picture.height - el.offsetHeight);
    el.style.left = `${Math.round(x)}px`;
    el.style.top = `${Math.round(y)}px`;
  };
  const clockTimer = setInterval(tick, 1000);
  const moveTimer = setInterval(move, MOVE_EVERY_MS);
  // The picture's place changes when its size becomes known or changes, and when the box is resized (full screen).
  media.addEventListener(sized, move);
  const resized = new ResizeObserver(move);
  resized.observe(area);
  tick();

  return {
    show(text) {
      who.textContent = `${text.viewerName} ${text.badge}`;
      session.textContent = text.sessionId;
      el.hidden = false;
      move();
    },
    hide() {
      el.hidden = true;
    },
    destroy() {
      clearInterval(clockTimer);
      clearInterval(moveTimer);
      media.removeEventListener(sized, move);
      resized.disconnect();
      el.remove();
    },
  };
}
