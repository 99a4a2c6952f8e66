/**
 * The in-page half of the measurement: reads the capture stamp (stamped-publisher.ts) out of the
 * frame a wall tile is presenting.
 *
 * `video.requestVideoFrameCallback` runs once per frame handed to the compositor; at most once
 * per `everyMs` it draws that frame's stamp band into a canvas (source rectangle in the video's
 * own pixels, so no scaling), decodes the bits, checks them against the inverted row, and records
 * the stamp with the frame's expected display time on the page's wall clock (Date.now() corrected
 * by rVFC's `expectedDisplayTime`). Alongside it keeps the tile's own latency figure (the text of
 * `[data-testid=latency]`, from hls.js `playingDate`), the media buffered ahead of the playhead,
 * and `waiting` (stall) events.
 *
 * It is a source string, not a function: tsx (esbuild keepNames) would put `__name(...)` calls into
 * a serialized function, which do not exist in the page.
 */
import { BAND_HEIGHT, BAND_WIDTH, STAMP, STAMP_BITS } from './stamped-publisher.ts';

export interface ProbeSample {
  /** capture time in ms, modulo 2^STAMP_BITS */
  stampMod: number;
  /** page wall clock (ms since the epoch) at which this frame was expected on screen */
  displayedAt: number;
  /** the tile's latency figure shown at that moment (seconds), null when it shows a dash */
  tileFigure: number | null;
  /** seconds of media buffered ahead of the playhead */
  bufferAhead: number | null;
  mediaTime: number;
}

export interface ProbeState {
  samples: ProbeSample[];
  /** frames whose band did not decode (a bit neither black nor white, or rows disagreeing) */
  unreadable: number;
  /** frames presented since the probe started */
  frames: number;
  /** `waiting` events of the video (playback stalled for want of data) with their page time */
  stalls: number[];
  fatal: string;
}

export function probeSource(deviceId: string, everyMs: number): string {
  const cfg = JSON.stringify({ deviceId, everyMs, bits: STAMP_BITS, ...STAMP, bandW: BAND_WIDTH, bandH: BAND_HEIGHT });
  return `(() => {
  const cfg = ${cfg};
  const tile = document.querySelector('[data-testid=feed-tile][data-device-id="' + cfg.deviceId + '"]');
  if (!tile) throw new Error('no tile for ' + cfg.deviceId);
  const video = tile.querySelector('video');
  const figure = tile.querySelector('[data-testid=latency]');
  const player = tile.querySelector('[data-testid=player]');
  const canvas = document.createElement('canvas');
  canvas.width = cfg.bandW;
  canvas.height = cfg.bandH;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const state = { samples: [], unreadable: 0, frames: 0, stalls: [], fatal: '' };
  window.__latencyProbe = state;
  video.addEventListener('waiting', () => state.stalls.push(Date.now()));
  let last = -Infinity;
  const level = (data, x, y) => {
    // mean of the 8×8 centre of a box, luma from RGB
    let sum = 0;
    for (let dy = -4; dy < 4; dy++) for (let dx = -4; dx < 4; dx++) {
      const i = ((y + dy) * cfg.bandW + (x + dx)) * 4;
      sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    }
    return sum / 64;
  };
  const bit = (v) => (v > 170 ? 1 : v < 85 ? 0 : -1);
  const onFrame = (_now, meta) => {
    state.frames++;
    const perfNow = performance.now();
    const wallNow = Date.now();
    if (perfNow - last >= cfg.everyMs && video.videoWidth > 0) {
      last = perfNow;
      ctx.drawImage(video, 0, 0, cfg.bandW, cfg.bandH, 0, 0, cfg.bandW, cfg.bandH);
      const data = ctx.getImageData(0, 0, cfg.bandW, cfg.bandH).data;
      let value = 0;
      let ok = true;
      for (let k = 0; k < cfg.bits && ok; k++) {
        const cx = cfg.x0 + k * cfg.cell + cfg.box / 2;
        const b0 = bit(level(data, cx, cfg.y0 + cfg.box / 2));
        const b1 = bit(level(data, cx, cfg.y0 + cfg.cell + cfg.box / 2));
        if (b0 < 0 || b1 < 0 || b0 === b1) ok = false;
        else value += b0 * Math.pow(2, k);
      }
      if (!ok) state.unreadable++;
      else {
        const text = (figure && figure.textContent) || '';
        const m = /\\d+(\\.\\d+)?/.exec(text);
        const b = video.buffered;
        state.samples.push({
          stampMod: value,
          displayedAt: wallNow + (meta.expectedDisplayTime - perfNow),
          tileFigure: m ? Number(m[0]) : null,
          bufferAhead: b.length ? b.end(b.length - 1) - video.currentTime : null,
          mediaTime: meta.mediaTime,
        });
      }
    }
    state.fatal = (player && player.dataset.fatalError) || '';
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return true;
})()`;
}
