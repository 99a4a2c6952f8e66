/**
 * Where a leak sits in a recording: for each segment, the shift s such that leak frame j shows
 * the segment's frame j + s. Found by content, not by timestamps (a leak re-encoded or cut has
 * its own): each segment's first frame votes for the shift at which the leak shows it, the
 * winning shift is then refined segment by segment, a few frames either way, since a re-encode
 * may drop or repeat a frame. Frames that still differ far more than is typical (frozen or
 * repeated frames at a cut, a re-encoder's starved first picture) are left out: what is left are
 * pairs of frames showing the same moment. Pure.
 */
import type { ReferenceSegment } from './reference.ts';

/** Mean absolute difference (grey levels) under which a leak frame counts as showing an anchor frame. */
const ANCHOR_LEVELS = 10;
/** Anchors that must agree on one shift before a recording counts as found. */
const MIN_ANCHORS = 2;
/** How far, in frames, a segment's shift may differ from the one before it. */
const DRIFT = 3;
/** Mean difference over all aligned frames above which the leak is not this recording. */
export const MATCH_LEVELS = 8;
/** A pair differing by more than this many times the median pair is not the same moment. */
const OUTLIER_FACTOR = 2;

/** Leak frame `leak` taken to show original frame `original`. */
type Pairing = { leak: number; original: number; distance: number };

export interface AlignedSegment {
  idx: number;
  /** (leak frame, original frame) showing the same moment */
  pairs: [Uint8Array, Uint8Array][];
}

export interface Alignment {
  /** the original frame (index into the recording's frames) that the leak's first frame shows */
  start: number;
  /** segments the leak shows, in order */
  segments: AlignedSegment[];
  /** mean absolute difference of the aligned frames, grey levels */
  distance: number;
}

/** Mean absolute difference, given up (returning Infinity) once it cannot beat `bound`. */
export function frameDistance(a: Uint8Array, b: Uint8Array, bound = Infinity): number {
  const limit = bound * a.length;
  let sum = 0;
  for (let p = 0; p < a.length; p++) {
    sum += Math.abs(a[p]! - b[p]!);
    if (sum > limit) return Infinity;
  }
  return sum / a.length;
}

export function alignLeak(leak: Uint8Array[], frames: Uint8Array[], segments: ReferenceSegment[]): Alignment | null {
  const start = votedShift(leak, frames, segments);
  if (start === null) return null;
  const matched: { idx: number; pairs: Pairing[] }[] = [];
  let previous = start;
  for (const seg of segments) {
    let best: { shift: number; pairs: Pairing[]; mean: number } | null = null;
    for (let shift = previous - DRIFT; shift <= previous + DRIFT; shift++) {
      const pairs: Pairing[] = [];
      for (let f = seg.first; f < seg.first + seg.count; f++) {
        const j = f - shift;
        if (j >= 0 && j < leak.length) pairs.push({ leak: j, original: f, distance: frameDistance(leak[j]!, frames[f]!) });
      }
      if (pairs.length === 0) continue;
      const mean = pairs.reduce((s, p) => s + p.distance, 0) / pairs.length;
      if (!best || mean < best.mean) best = { shift, pairs, mean };
    }
    if (!best) continue;
    matched.push({ idx: seg.idx, pairs: best.pairs });
    previous = best.shift;
  }
  const distances = matched.flatMap((m) => m.pairs.map((p) => p.distance)).sort((a, b) => a - b);
  const limit = OUTLIER_FACTOR * distances[Math.floor(distances.length / 2)]!;
  return {
    start,
    segments: matched.map((m) => ({ idx: m.idx, pairs: m.pairs.filter((p) => p.distance <= limit).map((p) => [leak[p.leak]!, frames[p.original]!]) })),
    distance: distances.reduce((s, d) => s + d, 0) / distances.length,
  };
}

/** The shift most segments' first frames agree on, or null when fewer than MIN_ANCHORS agree. */
function votedShift(leak: Uint8Array[], frames: Uint8Array[], segments: ReferenceSegment[]): number | null {
  const votes = new Map<number, number>();
  for (const seg of segments) {
    const anchor = frames[seg.first]!;
    let best = ANCHOR_LEVELS;
    let at = -1;
    for (let j = 0; j < leak.length; j++) {
      const d = frameDistance(leak[j]!, anchor, best);
      if (d < best) [best, at] = [d, j];
    }
    if (at >= 0) votes.set(seg.first - at, (votes.get(seg.first - at) ?? 0) + 1);
  }
  let winner: [number, number] | null = null;
  for (const [shift, n] of votes) if (!winner || n > winner[1]) winner = [shift, n];
  return winner && winner[1] >= MIN_ANCHORS ? winner[0] : null;
}
