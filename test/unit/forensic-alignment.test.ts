/**
 * The pure parts of finding a leak in a recording, on synthetic frames: a busy moving picture
 * (drifting waves, different in every frame) sampled onto the recording's grid and onto a leak's
 * finer grid through a geometry, as a decoder's area scaling would, roughly.
 */
import { describe, expect, it } from 'vitest';
import { alignLeak } from '../../server/forensic/alignment.ts';
import { ALL_VALID, coarseFrame, robustDistance } from '../../server/forensic/frame-compare.ts';
import { type Geometry, IDENTITY, refineGeometry, searchGeometry, viewThrough } from '../../server/forensic/geometry.ts';
import { readablePixels, readMark } from '../../server/forensic/mark-reading.ts';
import type { ReferenceSegment } from '../../server/forensic/reference.ts';
import { MARK_AMPLITUDE, markPattern } from '../../server/media/forensic-mark.ts';
import { GREY_HEIGHT, GREY_WIDTH, LEAK_GREY_HEIGHT, LEAK_GREY_WIDTH } from '../../server/media/grey-frames-args.ts';

/** The scene at (u, v) ∈ [0,1)² and time t (in original frames). */
const scene = (u: number, v: number, t: number) =>
  128 + 45 * Math.sin(11 * u + 7 * v + 0.31 * t) * Math.cos(5 * v - 3 * u + 0.17 * t) + 30 * Math.sin(23 * u * v + 0.05 * t) + 15 * Math.cos(37 * u - 0.2 * t);

/** A grid of `w`×`h` pixels showing `at(u, v)` at each pixel's centre. */
const grid = (w: number, h: number, at: (u: number, v: number) => number) =>
  Uint8Array.from({ length: w * h }, (_, p) => Math.max(0, Math.min(255, Math.round(at(((p % w) + 0.5) / w, (Math.floor(p / w) + 0.5) / h)))));

const ORIGINALS = 250;
const frames = Array.from({ length: ORIGINALS }, (_, t) => grid(GREY_WIDTH, GREY_HEIGHT, (u, v) => scene(u, v, t)));
const coarse = frames.map((f) => coarseFrame(f, ALL_VALID));
/** Ten segments of 25 frames, ledger indexes from 1. */
const segments: ReferenceSegment[] = Array.from({ length: 10 }, (_, i) => ({ idx: i + 1, first: 25 * i, count: 25, startAt: '2026-01-01T00:00:00.000Z', durationMs: 1000 }));

/** A leak frame on the leak's grid showing original time `t` through `g` (black outside the picture), marked ± `mark`. */
function leakFrame(t: number, g: Geometry, mark = 0): Uint8Array {
  return grid(LEAK_GREY_WIDTH, LEAK_GREY_HEIGHT, (lu, lv) => {
    const [u, v] = [g.x.offset + g.x.scale * lu, g.y.offset + g.y.scale * lv];
    return u < 0 || u > 1 || v < 0 || v > 1 ? 16 : scene(u, v, t) + mark * MARK_AMPLITUDE * markPattern(u, v);
  });
}

describe('aligning a leak by time', () => {
  it('pairs each frame of a 30 fps conversion with repeated frames at its joins with the original frame it shows', () => {
    // 30 fps from 25: original frame ⌊j × 25/30⌋; then, every 40 leak frames, the last 4 shown again (a step back).
    const shows: number[] = [];
    for (let j = 0; j < 220; j++) {
      shows.push(Math.floor((j * 25) / 30) + 10);
      if (j % 40 === 39) shows.push(...shows.slice(-4));
    }
    const leak = viewThrough(
      shows.map((t) => leakFrame(t, IDENTITY)),
      IDENTITY,
    );
    const alignment = alignLeak(leak.frames, leak.shown, frames, segments, coarse)!;
    expect(alignment).not.toBeNull();
    expect(alignment.pairs.filter((p) => p.original !== shows[p.leak])).toEqual([]);
    expect(alignment.leftOut).toBe(0);
    expect(alignment.segments.map((s) => s.idx)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it.each([
    ['sped up by 4 %', 1.04],
    ['slowed down by 3 %', 0.97],
  ])('pairs each frame of a copy %s with the original frame it shows', (_, speed) => {
    const shows = Array.from({ length: 200 }, (_, j) => Math.floor(j * speed) + 20);
    const leak = viewThrough(
      shows.map((t) => leakFrame(t, IDENTITY)),
      IDENTITY,
    );
    const alignment = alignLeak(leak.frames, leak.shown, frames, segments, coarse)!;
    expect(alignment.pairs.filter((p) => p.original !== shows[p.leak])).toEqual([]);
    expect(alignment.leftOut).toBe(0);
  });

  it('finds nothing in a recording the leak does not show', () => {
    const other = viewThrough(
      Array.from({ length: 60 }, (_, t) => grid(LEAK_GREY_WIDTH, LEAK_GREY_HEIGHT, (u, v) => scene(v, u, 3 * t + 1000))),
      IDENTITY,
    );
    expect(alignLeak(other.frames, other.shown, frames, segments, coarse)).toBeNull();
  });
});

describe('comparing frames', () => {
  it('leaves out a box over a fifth of the picture instead of averaging it in', () => {
    const boxed = frames[40]!.map((v, p) => (p % GREY_WIDTH > 30 && p % GREY_WIDTH < 56 && Math.floor(p / GREY_WIDTH) < 18 ? 0 : v));
    expect(robustDistance(boxed, frames[40]!, ALL_VALID)).toBe(0);
    expect(robustDistance(boxed, frames[120]!, ALL_VALID)).toBeGreaterThan(10);
  });
});

describe('registering a leak’s picture on the recording’s', () => {
  const cases: [string, Geometry][] = [
    ['cropped by 15 % on the left, 5 % on the right, 10 % top and bottom', { x: { scale: 0.8, offset: 0.15 }, y: { scale: 0.8, offset: 0.1 } }],
    ['mirrored', { x: { scale: -1, offset: 1 }, y: { scale: 1, offset: 0 } }],
    ['letterboxed: shrunk to three quarters between bars', { x: { scale: 4 / 3, offset: -1 / 6 }, y: { scale: 4 / 3, offset: -1 / 6 } }],
  ];
  it.each(cases)('finds it %s, to a tenth of a pixel', (_, truth) => {
    const leak = Array.from({ length: 80 }, (_, j) => leakFrame(2 * j + 40, truth));
    const found = searchGeometry(leak, coarse);
    const refined = refineGeometry(
      leak,
      found,
      leak.map((_, j) => ({ leak: j, original: frames[2 * j + 40]! })),
    );
    for (const axis of ['x', 'y'] as const) {
      for (const edge of [0, 1]) {
        const at = (g: Geometry) => g[axis].offset + edge * g[axis].scale;
        expect(Math.abs(at(refined) - at(truth)), `${axis} edge ${edge}`).toBeLessThan(0.1 / GREY_WIDTH);
      }
    }
  });
});

describe('reading the mark on part of the picture', () => {
  it('reads it from the middle 70 % a crop leaves, the decoys made orthogonal to the mark there', () => {
    const crop: Geometry = { x: { scale: 0.7, offset: 0.15 }, y: { scale: 0.7, offset: 0.15 } };
    const view = viewThrough(
      Array.from({ length: 25 }, (_, t) => leakFrame(t, crop, -1)),
      crop,
    );
    const pairs = view.frames.map((f, t) => [f, frames[t]!] as [Uint8Array, Uint8Array]);
    const reading = readMark(pairs, readablePixels(pairs, view.shown));
    expect(reading.bit).toBe('B');
    expect(Math.abs(reading.amplitude + MARK_AMPLITUDE)).toBeLessThan(0.5);
  });
});
