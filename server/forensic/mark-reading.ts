/**
 * Reads the forensic bit of one segment, non-blind: liuhen has the original, so the difference
 * leak − original leaves the mark plus coding noise, and projecting it on the mark pattern says
 * how much of +pattern (A) or −pattern (B) the leak carries. The same projection on patterns the
 * mark does not use (other periods; orthogonal to it on the grid) measures the noise, so a bit
 * is read only where the mark stands clear of it. Pixels the copy changed throughout (a burned-in
 * text or box, as on a party copy) are left out first: they would swamp both. Pure.
 */
import { GREY_HEIGHT, GREY_WIDTH } from '../media/grey-frames-args.ts';
import { MARK_AMPLITUDE, MARK_PERIODS, markPattern } from '../media/forensic-mark.ts';
import type { Variant } from './codeword.ts';
import { ALL_VALID } from './frame-compare.ts';

/** Differences beyond this many levels are not the mark (a glitch, a moving overlay): clipped so they cannot outweigh it. */
const CLIP_LEVELS = 12;
/**
 * A pixel whose difference, averaged over the whole copy, exceeds this share of the amplitude
 * was changed by something else: the mark alone averages at most its amplitude (every segment
 * A), and less as A and B alternate.
 */
const STEADY_SHARE = 1.5;
/**
 * A bit is read from at least this many frames (next to a cut, a frame or two may belong to
 * another segment), where the mark stands at a plausible strength — at least a quarter of its
 * amplitude, at most half again as much — and at least this many times the noise.
 */
const MIN_FRAMES = 10;
const STRENGTH = { min: 0.25, max: 1.5 };
const MIN_SIGNAL_TO_NOISE = 10;

function grid(pattern: (u: number, v: number) => number): Float64Array {
  const g = new Float64Array(GREY_WIDTH * GREY_HEIGHT);
  for (let y = 0; y < GREY_HEIGHT; y++) for (let x = 0; x < GREY_WIDTH; x++) g[y * GREY_WIDTH + x] = pattern((x + 0.5) / GREY_WIDTH, (y + 0.5) / GREY_HEIGHT);
  return g;
}

const MARK = grid(markPattern);
const DECOYS = [1, 2, 3, 4, 5, 6]
  .flatMap((px) => [1, 2, 3, 4, 5].map((py) => [px, py] as const))
  .filter(([px, py]) => px !== MARK_PERIODS.x || py !== MARK_PERIODS.y)
  .map(([px, py]) => grid((u, v) => Math.sin(2 * Math.PI * px * u) * Math.sin(2 * Math.PI * py * v)));

function dot(a: Float64Array, b: Float64Array, keep: Uint8Array): number {
  let sum = 0;
  for (let p = 0; p < a.length; p++) if (keep[p]) sum += a[p]! * b[p]!;
  return sum;
}

/**
 * 1 for the pixels a reading uses: those the leak shows (`shown`, after a crop or a letterbox
 * all of them or not) and did not change throughout (see STEADY_SHARE).
 */
export function readablePixels(pairs: [Uint8Array, Uint8Array][], shown: Uint8Array = ALL_VALID): Uint8Array {
  const mean = new Float64Array(GREY_WIDTH * GREY_HEIGHT);
  for (const [leak, original] of pairs) for (let p = 0; p < mean.length; p++) mean[p]! += (leak[p]! - original[p]!) / pairs.length;
  // The copy's overall brightness change is not the pixel's own; the median, as a box may cover much of the picture.
  const seen = [...mean].filter((_, p) => shown[p]).sort((x, y) => x - y);
  const overall = seen[seen.length >> 1] ?? 0;
  return Uint8Array.from(mean, (d, p) => (shown[p] && Math.abs(d - overall) <= STEADY_SHARE * MARK_AMPLITUDE ? 1 : 0));
}

export interface MarkReading {
  frames: number;
  /** grey levels; positive is A */
  amplitude: number;
  /** spread of the same measure on the decoy patterns */
  noise: number;
  bit: Variant | null;
  /** why no bit was read: the copy shows too few of the segment's frames, or the mark does not stand clear */
  unread: 'few_frames' | 'unclear' | null;
}

/** The decoys on the pixels `keep` marks, with their norms: the same for every segment of a copy, so made once per `keep`. */
const decoysByKeep = new WeakMap<Uint8Array, { markNorm: number; decoys: Float64Array[]; decoyNorms: number[]; kept: number }>();

function decoysOn(keep: Uint8Array) {
  const known = decoysByKeep.get(keep);
  if (known) return known;
  const markNorm = dot(MARK, MARK, keep);
  // On part of the picture (a crop, a box left out) the decoys are no longer orthogonal to the
  // mark: what they share with it is taken out, or the mark would pass for noise.
  const decoys = DECOYS.map((d) => {
    const share = dot(d, MARK, keep) / markNorm;
    return d.map((v, p) => v - share * MARK[p]!);
  });
  const made = { markNorm, decoys, decoyNorms: decoys.map((d) => dot(d, d, keep)), kept: keep.reduce((n, k) => n + k, 0) };
  decoysByKeep.set(keep, made);
  return made;
}

/**
 * Reads a segment from pairs of (leak frame, original frame) shown at the same moment, on the
 * pixels `keep` marks (readablePixels of the whole copy).
 */
export function readMark(pairs: [Uint8Array, Uint8Array][], keep: Uint8Array): MarkReading {
  const { markNorm, decoys, decoyNorms, kept } = decoysOn(keep);
  // Each projection is linear: the projections of every pair's difference, summed, are those of
  // the summed differences, so the pattern is projected once per segment, not once per pair.
  const sum = new Float64Array(GREY_WIDTH * GREY_HEIGHT);
  let meanSum = 0;
  for (const [leak, original] of pairs) {
    let frameSum = 0;
    for (let p = 0; p < sum.length; p++) {
      const d = Math.max(-CLIP_LEVELS, Math.min(CLIP_LEVELS, leak[p]! - original[p]!));
      sum[p]! += d;
      if (keep[p]) frameSum += d;
    }
    // A brightness change of the whole picture (a re-encode's levels) is not the mark.
    meanSum += frameSum / kept;
  }
  for (let p = 0; p < sum.length; p++) sum[p]! -= meanSum;
  const n = pairs.length;
  const amplitude = dot(sum, MARK, keep) / markNorm / n;
  const noise = Math.sqrt(decoys.reduce((s, d, i) => s + (dot(sum, d, keep) / decoyNorms[i]! / n) ** 2, 0) / DECOYS.length);
  const strength = Math.abs(amplitude) / MARK_AMPLITUDE;
  const clear = strength >= STRENGTH.min && strength <= STRENGTH.max && Math.abs(amplitude) >= MIN_SIGNAL_TO_NOISE * noise;
  const unread = n < MIN_FRAMES ? 'few_frames' : clear ? null : 'unclear';
  return { frames: n, amplitude, noise, bit: unread ? null : amplitude > 0 ? 'A' : 'B', unread };
}
