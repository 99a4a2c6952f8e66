/**
 * Where a leak sits in a recording: for each leak frame, the original frame it shows. Found by
 * content and by time order, not by frame numbers or timestamps, which a leak re-encoded, cut or
 * screen-recorded has its own of: a 30 fps conversion repeats a frame in six, a splice repeats
 * frames at its joins, a speed change drifts. So the leak is matched as a path through the
 * recording (dynamic time warping, free to begin and end anywhere): from one leak frame to the
 * next the original moves on by 0 to 3 frames (repeats, drops, frame-rate and speed changes), a
 * few frames back or on (a splice), or, at a cost, jumps anywhere (a cut). Frames are compared
 * coarsely with clipped differences (frame-compare.ts) to find the path; pairs on it that still
 * differ far more than is typical (a re-encoder's starved first picture, an inserted frame) are
 * left out, and what is left are pairs of frames showing the same moment, grouped by the
 * segment of the original. Pure.
 */
import { clippedCost, coarseFrame, robustDistance } from './frame-compare.ts';
import type { ReferenceSegment } from './reference.ts';

/** Median robust distance (grey levels) of the pairs above which the leak is not this recording. */
export const MATCH_LEVELS = 8;
/**
 * Steps of the original from one leak frame to the next, and what each costs beyond the frames'
 * difference: on by one is free, a repeat or a skipped frame nearly so; a step back (frames
 * repeated at a splice) or a skip of a few frames costs more, any other jump most.
 */
const STEPS = { back: 8, ahead: 8 };
const stepCost = (step: number) => (step === 1 ? 0 : step === 0 || step === 2 ? 0.5 : step === 3 ? 1.5 : 3);
/** Cost of a cut: a jump anywhere in the recording. */
const JUMP_COST = 40;
const JUMPED = -128;
/** Leak frames sampled to find the part of the recording worth a full search. */
const SAMPLES = 64;
/** A pair differing by more than this many times the median pair, plus a few levels of coding noise, is not the same moment. */
const OUTLIER = { factor: 2, levels: 2 };
/** Pairs a leak must keep to count as a copy: a few frames may match anything. */
const MIN_PAIRS = 10;

export interface AlignedSegment {
  idx: number;
  /** (leak frame, original frame) showing the same moment */
  pairs: [Uint8Array, Uint8Array][];
}

export interface Alignment {
  /** the original frame (index into the recording's frames) that the leak's first matched frame shows */
  start: number;
  /** segments the leak shows, in order */
  segments: AlignedSegment[];
  /** median robust distance of the pairs, grey levels */
  distance: number;
  /** (leak frame, original frame) indices of the pairs kept, in leak order */
  pairs: { leak: number; original: number }[];
  /** leak frames left out as outliers */
  leftOut: number;
}

/**
 * `leak`: its frames in the recording's coordinates (geometry.ts), `valid` the pixels it shows;
 * null when no path through the recording is close enough.
 */
export function alignLeak(leak: Uint8Array[], valid: Uint8Array, frames: Uint8Array[], segments: ReferenceSegment[], coarseOriginals: Float32Array[]): Alignment | null {
  if (leak.length === 0 || frames.length === 0) return null;
  const coarseLeak = leak.map((f) => coarseFrame(f, valid));
  const band = searchBand(coarseLeak, coarseOriginals);
  const path = warpPath(coarseLeak, coarseOriginals, band);
  const pairs = path.map((original, j) => ({ leak: j, original, distance: robustDistance(leak[j]!, frames[original]!, valid) }));
  const median = [...pairs.map((p) => p.distance)].sort((a, b) => a - b)[pairs.length >> 1]!;
  const kept = pairs.filter((p) => p.distance <= OUTLIER.factor * median + OUTLIER.levels);
  if (median > MATCH_LEVELS || kept.length < MIN_PAIRS) return null;
  const bySegment = new Map<number, AlignedSegment>();
  for (const p of kept) {
    const seg = segments.find((s) => p.original >= s.first && p.original < s.first + s.count);
    if (!seg) continue;
    const aligned = bySegment.get(seg.idx) ?? { idx: seg.idx, pairs: [] };
    aligned.pairs.push([leak[p.leak]!, frames[p.original]!]);
    bySegment.set(seg.idx, aligned);
  }
  return {
    start: kept[0]!.original,
    segments: [...bySegment.values()].sort((a, b) => a.idx - b.idx),
    distance: median,
    pairs: kept.map((p) => ({ leak: p.leak, original: p.original })),
    leftOut: pairs.length - kept.length,
  };
}

/**
 * The original frames a full search needs: around where a sample of leak frames best match, so a
 * short leak of a long recording is not compared with all of it frame by frame.
 */
function searchBand(leak: Float32Array[], originals: Float32Array[]): { lo: number; hi: number } {
  const every = Math.max(1, Math.ceil(leak.length / SAMPLES));
  const found: { at: number; cost: number }[] = [];
  for (let j = 0; j < leak.length; j += every) {
    let best = { at: 0, cost: Infinity };
    for (let m = 0; m < originals.length; m++) {
      const cost = clippedCost(leak[j]!, originals[m]!, 0, best.cost);
      if (cost < best.cost) best = { at: m, cost };
    }
    found.push(best);
  }
  const median = [...found.map((f) => f.cost)].sort((a, b) => a - b)[found.length >> 1]!;
  const good = found
    .filter((f) => f.cost <= 2 * median + 1)
    .map((f) => f.at)
    .sort((a, b) => a - b);
  // Between two samples the original moves on by at most STEPS.ahead frames per leak frame.
  const margin = STEPS.ahead * every + 16;
  let [lo, hi] = [good[0]! - margin, good.at(-1)! + margin];
  // A copy's samples lie within about its own length of each other; samples spread wider (other
  // content, matching here and there) would make the search as long as the recording.
  const widest = 4 * leak.length + 2 * margin;
  if (hi - lo > widest) [lo, hi] = [good[good.length >> 1]! - widest / 2, good[good.length >> 1]! + widest / 2];
  return { lo: Math.max(0, lo), hi: Math.min(originals.length - 1, hi) };
}

/** stepCost of each step from -STEPS.back to STEPS.ahead, looked up in the search's innermost loop. */
const STEP_COSTS = Float64Array.from({ length: STEPS.back + STEPS.ahead + 1 }, (_, i) => stepCost(i - STEPS.back));

/**
 * For each leak frame, the original frame it shows: the cheapest path through the band.
 *
 * A state costing more than its row's cheapest plus JUMP_COST is never stepped from (the jump
 * from the cheapest costs less) and is not the cheapest: it cannot be on the path. So once a
 * state's cost is sure to exceed that (the row's cheapest so far, first the state one on from
 * the last row's cheapest, plus JUMP_COST), its frame comparison is left unfinished and the state
 * kept at Infinity. Far from the path most comparisons stop after a few pixels; the path found
 * is the same as with every comparison finished.
 *
 * So on a copy most states of a row are Infinity (nine in ten on the tests' copies), and each
 * finite one offers its steps to the states it reaches, rather than every state looking back at
 * all the steps that could reach it. The states are offered to in the order a look back would
 * try them (from the state furthest on, a step of -STEPS.back, first), keeping the first of
 * equal costs as it would: the same path.
 */
function warpPath(leak: Float32Array[], originals: Float32Array[], band: { lo: number; hi: number }): number[] {
  const width = band.hi - band.lo + 1;
  /** how each state was reached: the step taken, or JUMPED */
  const came = new Int8Array(leak.length * width);
  const jumpFrom = new Int32Array(leak.length);
  let previous = new Float64Array(width);
  let current = new Float64Array(width);
  /** each state's cheapest way in from the last row, and how */
  const reached = new Float64Array(width);
  const reachedHow = new Int8Array(width);
  for (let m = 0; m < width; m++) previous[m] = clippedCost(leak[0]!, originals[band.lo + m]!);
  for (let j = 1; j < leak.length; j++) {
    let cheapest = 0;
    for (let m = 1; m < width; m++) if (previous[m]! < previous[cheapest]!) cheapest = m;
    jumpFrom[j] = cheapest;
    const jump = previous[cheapest]! + JUMP_COST;
    reached.fill(jump);
    reachedHow.fill(JUMPED);
    for (let from = width - 1; from >= 0; from--) {
      const cost = previous[from]!;
      if (cost === Infinity) continue;
      const last = Math.min(STEPS.ahead, width - 1 - from);
      for (let step = Math.max(-STEPS.back, -from); step <= last; step++) {
        const c = cost + STEP_COSTS[step + STEPS.back]!;
        if (c < reached[from + step]!) {
          reached[from + step] = c;
          reachedHow[from + step] = step;
        }
      }
    }
    const frame = leak[j]!;
    const row = j * width;
    let rowCheapest = Infinity;
    // The state one on from the last row's cheapest first (k = -1): it likely lies on the path.
    const likely = Math.min(cheapest + 1, width - 1);
    for (let k = -1; k < width; k++) {
      if (k === likely) continue;
      const m = k < 0 ? likely : k;
      const best = reached[m]!;
      const how = reachedHow[m]!;
      const value = best + clippedCost(frame, originals[band.lo + m]!, best, rowCheapest + JUMP_COST);
      current[m] = value;
      came[row + m] = how;
      if (value < rowCheapest) rowCheapest = value;
    }
    [previous, current] = [current, previous];
  }
  let at = 0;
  for (let m = 1; m < width; m++) if (previous[m]! < previous[at]!) at = m;
  const path = new Array<number>(leak.length);
  for (let j = leak.length - 1; j >= 0; j--) {
    path[j] = band.lo + at;
    if (j === 0) break;
    const how = came[j * width + at]!;
    at = how === JUMPED ? jumpFrom[j]! : at - how;
  }
  return path;
}
