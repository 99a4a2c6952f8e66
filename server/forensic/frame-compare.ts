/**
 * How much two tiny grey frames (grey-frames.ts) differ, in ways a leak's changes do not swamp.
 * A leak may carry a caption, a logo or a box over a fifth of the picture, and may show only
 * part of it (a crop, registered by geometry.ts: `valid` marks the pixels the leak shows). So:
 * - to find which original frame a leak frame shows, differences are clipped (an overlay adds
 *   about the same to every candidate, and cannot outweigh the rest of the picture), on a coarse
 *   16×9 copy of each frame, cheap enough to compare every leak frame with every original;
 * - to judge whether they show the same moment at all, the frame is split into blocks and only
 *   the better agreeing 60 % are averaged: the blocks an overlay covers are left out, not averaged in.
 * Pure.
 */
import { GREY_HEIGHT, GREY_WIDTH } from '../media/grey-frames-args.ts';

/** Coarse frames: 4×4 pixel means. */
export const COARSE_WIDTH = GREY_WIDTH / 4;
export const COARSE_HEIGHT = GREY_HEIGHT / 4;
/** A coarse pixel differing by more than this is an overlay or another picture: counted as this much. */
const CLIP_LEVELS = 24;
/** Blocks of the robust distance: 8×6 of them, each 8×6 pixels. */
const BLOCK = { w: 8, h: 6 } as const;
/** The share of the (valid) blocks, best agreeing first, that the robust distance averages. */
const KEPT_BLOCKS = 0.6;

/** Every pixel shown. */
export const ALL_VALID = new Uint8Array(GREY_WIDTH * GREY_HEIGHT).fill(1);

/** 4×4 means; a coarse pixel counts only if all 16 of its pixels are valid (NaN otherwise). */
export function coarseFrame(frame: Uint8Array, valid: Uint8Array): Float32Array {
  const out = new Float32Array(COARSE_WIDTH * COARSE_HEIGHT);
  for (let cy = 0; cy < COARSE_HEIGHT; cy++) {
    for (let cx = 0; cx < COARSE_WIDTH; cx++) {
      let sum = 0;
      let shown = true;
      for (let y = cy * 4; y < cy * 4 + 4; y++) {
        for (let x = cx * 4; x < cx * 4 + 4; x++) {
          const p = y * GREY_WIDTH + x;
          if (!valid[p]) shown = false;
          sum += frame[p]!;
        }
      }
      out[cy * COARSE_WIDTH + cx] = shown ? sum / 16 : NaN;
    }
  }
  return out;
}

/**
 * Mean clipped difference over the coarse pixels both show; Infinity instead as soon as
 * `base` + the difference must exceed `limit` (a search that has a better candidate need not
 * finish this one). The sum only grows and its divisor can only shrink, so a partial sum proves it.
 *
 * Checked at every pixel: a search's best path costs a level or less per frame, so a frame that
 * is not the one the leak shows exceeds the limit within a few pixels. The check is a comparison
 * with a budget, the limit in summed levels, taken a hair higher than exact so rounding never
 * gives up a candidate that the mean itself would keep.
 */
export function clippedCost(a: Float32Array, b: Float32Array, base = 0, limit = Infinity): number {
  const budget = (limit - base) * a.length * (1 + 1e-9) + 1e-9;
  let sum = 0;
  let n = 0;
  for (let p = 0; p < a.length; p++) {
    const d = Math.abs(a[p]! - b[p]!);
    // NaN (not shown) compares false and is skipped.
    if (d <= CLIP_LEVELS) sum += d;
    else if (d > CLIP_LEVELS) sum += CLIP_LEVELS;
    else continue;
    n++;
    if (sum > budget) return Infinity;
  }
  return n === 0 ? Infinity : sum / n;
}

/** Mean absolute difference of the best agreeing KEPT_BLOCKS of blocks, over valid pixels, grey levels. */
export function robustDistance(a: Uint8Array, b: Uint8Array, valid: Uint8Array): number {
  const blocks: number[] = [];
  for (let by = 0; by < GREY_HEIGHT; by += BLOCK.h) {
    for (let bx = 0; bx < GREY_WIDTH; bx += BLOCK.w) {
      let sum = 0;
      let n = 0;
      for (let y = by; y < by + BLOCK.h; y++) {
        for (let x = bx; x < bx + BLOCK.w; x++) {
          const p = y * GREY_WIDTH + x;
          if (valid[p]) [sum, n] = [sum + Math.abs(a[p]! - b[p]!), n + 1];
        }
      }
      // A block mostly outside the part shown says too little.
      if (n >= (BLOCK.w * BLOCK.h) / 2) blocks.push(sum / n);
    }
  }
  if (blocks.length === 0) return Infinity;
  blocks.sort((x, y) => x - y);
  const kept = blocks.slice(0, Math.max(1, Math.round(blocks.length * KEPT_BLOCKS)));
  return kept.reduce((s, d) => s + d, 0) / kept.length;
}
