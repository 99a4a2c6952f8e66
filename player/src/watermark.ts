/**
 * The visible watermark over a video: who is watching, in which playback session, and when. It
 * jumps to a new random place every few seconds so that no fixed crop of a screen recording
 * leaves it out, and the running clock dates any photo of the screen.
 */
import { h } from './dom.ts';
import { formatDateTime } from './format.ts';
import type { WatermarkText } from './types.ts';

const MOVE_EVERY_MS = 4000;

export interface Watermark {
  show(text: WatermarkText): void;
  hide(): void;
  destroy(): void;
}

/** `area` must be positioned; the watermark is placed inside it. */
export function createWatermark(area: HTMLElement): Watermark {
  const who = h('div');
  const session = h('div');
  const clock = h('div');
  const el = h('div', { 'data-testid': 'watermark', class: 'watermark', 'aria-hidden': 'true', hidden: '' }, who, session, clock);
  area.append(el);

  const tick = (): void => {
    clock.textContent = formatDateTime(new Date());
  };
  const move = (): void => {
    const x = Math.random() * Math.max(0, area.clientWidth - el.offsetWidth);
    const y = Math.random() * Math.max(0, area.clientHeight - el.offsetHeight);
    el.style.left = `${Math.round(x)}px`;
    el.style.top = `${Math.round(y)}px`;
  };
  const clockTimer = setInterval(tick, 1000);
  const moveTimer = setInterval(move, MOVE_EVERY_MS);
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
      el.remove();
    },
  };
}
