/**
 * A photo recording (照相) in the player container: the sealed picture as served, under its own
 * visible watermark kept over the picture as over a video (watermark.ts). The container's video
 * element has nothing to play and is hidden (styles.css `.player.photo`).
 */
import { h } from './dom.ts';
import { t } from './i18n.ts';
import type { WatermarkText } from './types.ts';
import { createWatermark } from './watermark.ts';

/** Shows the photo at `url` in `container`; returns what takes it down again. */
export function showPhoto(container: HTMLElement, url: string, text: WatermarkText): () => void {
  const img = h('img', { 'data-testid': 'photo', src: url, alt: t('flag.photo') });
  container.classList.add('photo');
  container.prepend(img);
  const watermark = createWatermark(container, img);
  watermark.show(text);
  return () => {
    watermark.destroy();
    img.remove();
    container.classList.remove('photo');
  };
}
