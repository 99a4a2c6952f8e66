/**
 * Where the recording's picture sits in a leak's picture: a leak may be cropped and scaled back
 * up, shrunk into black bars (letterbox, pillarbox, padding), or mirrored. Each axis is taken to
 * map on its own — a recording's u = offset + scale × the leak's u′ (both 0..1 across the
 * picture; a negative scale is a mirror) — which covers all of these. Found by search: a grid
 * over each axis in turn, then finer steps, each candidate scored by how closely a few of the
 * leak's frames, mapped back, match their nearest original frames (clipped coarse differences,
 * frame-compare.ts); then, once the leak is aligned in time, refined to a fraction of a pixel
 * on the frames it pairs (the mark is read from leak − original, where a picture misplaced by
 * half a pixel leaves its edges). The leak is decoded at twice the recording's grid
 * (LEAK_GREY_WIDTH) and each pixel of the grid averages the part of the leak it covers;
 * `shown` says which pixels of the grid the leak has at all. Pure.
 */
import { GREY_HEIGHT, GREY_WIDTH, LEAK_GREY_HEIGHT, LEAK_GREY_WIDTH } from '../media/grey-frames-args.ts';
import { clippedCost, coarseFrame, robustDistance } from './frame-compare.ts';

export interface AxisMap {
  scale: number;
  offset: number;
}

export interface Geometry {
  x: AxisMap;
  y: AxisMap;
}

export const IDENTITY: Geometry = { x: { scale: 1, offset: 0 }, y: { scale: 1, offset: 0 } };

/** The leak's frames on the recording's grid, with the pixels the leak shows. */
export interface LeakView {
  geometry: Geometry;
  frames: Uint8Array[];
  shown: Uint8Array;
}

/** Scales searched: a crop of up to 15 % a side (0.7) to bars of a third of the picture (1.5). */
const SCALES = { least: 0.7, most: 1.5 };
const GRID = { scale: 0.05, offset: 0.04 };
/** Steps of the coarse search after the grid, and of the refinement on paired frames. */
const COARSE_STEPS = [0.02, 0.01];
const FINE_STEPS = [0.008, 0.004, 0.002, 0.001];
/** Leak frames the search scores; original frames each is compared with on the grid; nearest kept after it. */
const SAMPLED_FRAMES = 6;
const GRID_ORIGINALS = 150;
const SHORTLIST = 6;
/** Paired frames the refinement scores. */
const REFINING_PAIRS = 24;

/** The leak's frames (at LEAK_GREY_WIDTH) mapped onto the recording's grid by `g`. */
export function viewThrough(leak: Uint8Array[], g: Geometry): LeakView {
  const map = gridMap(g);
  return { geometry: g, frames: leak.map((f) => resample(f, map)), shown: map.shown };
}

/** The geometry under which a few of the leak's frames best match their nearest `originals` (coarse frames). */
export function searchGeometry(leak: Uint8Array[], originals: Float32Array[]): Geometry {
  const n = Math.min(SAMPLED_FRAMES, leak.length);
  const sampled = Array.from({ length: n }, (_, i) => leak[Math.floor(((i + 0.5) * leak.length) / n)]!);
  const mapped = (frame: Uint8Array, map: GridMap) => coarseFrame(resample(frame, map), map.shown);
  const every = Math.max(1, Math.ceil(originals.length / GRID_ORIGINALS));
  let candidates = sampled.map(() => originals.filter((_, m) => m % every === 0));
  const score = (g: Geometry) => {
    const map = gridMap(g);
    return (
      sampled.reduce((sum, frame, i) => {
        const mine = mapped(frame, map);
        return sum + nearest(mine, candidates[i]!);
      }, 0) / n
    );
  };
  const search = descent(IDENTITY, score);
  // Each axis over the grid, the other held (x twice: before and after y is known), mirrored or not.
  for (const x of [...axisGrid(false), ...axisGrid(true)]) search.consider({ ...search.best.geometry, x });
  for (const y of axisGrid(false)) search.consider({ ...search.best.geometry, y });
  for (const x of axisGrid(search.best.geometry.x.scale < 0)) search.consider({ ...search.best.geometry, x });
  // Then finer, each sampled frame compared with the originals nearest it now.
  const map = gridMap(search.best.geometry);
  candidates = sampled.map((frame) => {
    const mine = mapped(frame, map);
    return originals
      .map((o) => ({ o, cost: clippedCost(mine, o) }))
      .sort((a, b) => a.cost - b.cost)
      .slice(0, SHORTLIST)
      .map((c) => c.o);
  });
  search.rescore();
  for (const step of COARSE_STEPS) search.steps(step);
  return search.best.geometry;
}

/** The least clipped cost of `frame` against any of `originals`: each compared only as far as it could still be the least. */
function nearest(frame: Float32Array, originals: Float32Array[]): number {
  let least = Infinity;
  for (const o of originals) least = Math.min(least, clippedCost(frame, o, 0, least));
  return least;
}

/** `g` refined on frames paired in time: (leak frame index, original frame). */
export function refineGeometry(leak: Uint8Array[], g: Geometry, pairs: { leak: number; original: Uint8Array }[]): Geometry {
  const every = Math.max(1, Math.floor(pairs.length / REFINING_PAIRS));
  const used = pairs.filter((_, i) => i % every === 0);
  const search = descent(g, (h) => {
    const map = gridMap(h);
    return used.reduce((sum, p) => sum + robustDistance(resample(leak[p.leak]!, map), p.original, map.shown), 0) / used.length;
  });
  for (const step of FINE_STEPS) search.steps(step);
  return search.best.geometry;
}

/** A search keeping the best geometry so far under `score`, lower being better. */
function descent(start: Geometry, score: (g: Geometry) => number) {
  let best = { geometry: start, cost: score(start) };
  const consider = (g: Geometry) => {
    const cost = score(g);
    if (cost < best.cost) best = { geometry: g, cost };
  };
  return {
    get best() {
      return best;
    },
    consider,
    /** the score may have changed (new candidates): the best so far is scored again */
    rescore: () => void (best = { geometry: best.geometry, cost: score(best.geometry) }),
    /**
     * Steps of `step` while one helps, moving where each edge of the leak's picture falls on the
     * recording: one edge, both the same way (a shift) or opposite ways (a zoom about the middle),
     * as the picture's middle matters most and one edge moved alone moves it.
     */
    steps(step: number) {
      for (let before = Infinity; best.cost < before;) {
        before = best.cost;
        for (const axis of ['x', 'y'] as const) {
          for (const [lo, hi] of [
            [1, 0],
            [-1, 0],
            [0, 1],
            [0, -1],
            [1, 1],
            [-1, -1],
            [1, -1],
            [-1, 1],
          ] as const) {
            const { scale, offset } = best.geometry[axis];
            const [from, to] = [offset + lo * step, offset + scale + hi * step];
            consider({ ...best.geometry, [axis]: { scale: to - from, offset: from } });
          }
        }
      }
    },
  };
}

/** Every (scale, offset) of the grid for one axis; mirrored ones read the leak from the other side. */
function axisGrid(mirror: boolean): AxisMap[] {
  const maps: AxisMap[] = [];
  for (let s = SCALES.least; s <= SCALES.most + 1e-9; s += GRID.scale) {
    // The recording's part shown runs from `offset` to `offset + scale`: inside 0..1 when cropped, around it when shrunk.
    const [lo, hi] = [Math.min(0, 1 - s), Math.max(0, 1 - s)];
    for (let o = lo; o <= hi + 1e-9; o += GRID.offset) maps.push(mirror ? { scale: -s, offset: 1 - o } : { scale: s, offset: o });
  }
  return maps;
}

/**
 * For each pixel of the grid along one axis, the leak pixels it covers (`at`) and their shares
 * (`weight`): the pixel k's run from `first[k]` to `first[k + 1]`, none where it falls (partly)
 * outside the leak's picture (`inside[k]` 0). Packed in typed arrays, as resampling reads them for
 * every pixel of every frame a geometry search tries.
 */
interface AxisTaps {
  first: Int32Array;
  at: Int32Array;
  weight: Float64Array;
  inside: Uint8Array;
}

interface GridMap {
  x: AxisTaps;
  y: AxisTaps;
  shown: Uint8Array;
}

function gridMap(g: Geometry): GridMap {
  const x = axisTaps(g.x, GREY_WIDTH, LEAK_GREY_WIDTH);
  const y = axisTaps(g.y, GREY_HEIGHT, LEAK_GREY_HEIGHT);
  const shown = new Uint8Array(GREY_WIDTH * GREY_HEIGHT);
  for (let r = 0; r < GREY_HEIGHT; r++) for (let c = 0; c < GREY_WIDTH; c++) shown[r * GREY_WIDTH + c] = x.inside[c]! & y.inside[r]!;
  return { x, y, shown };
}

function axisTaps(m: AxisMap, size: number, leakSize: number): AxisTaps {
  const first = new Int32Array(size + 1);
  const inside = new Uint8Array(size);
  const at: number[] = [];
  const weight: number[] = [];
  for (let k = 0; k < size; k++) {
    first[k] = at.length;
    const ends = [k / size, (k + 1) / size].map((u) => ((u - m.offset) / m.scale) * leakSize);
    const [from, to] = [Math.min(...ends), Math.max(...ends)];
    if (from < -0.01 || to > leakSize + 0.01) continue;
    inside[k] = 1;
    for (let i = Math.max(0, Math.floor(from)); i < Math.min(leakSize, Math.ceil(to)); i++) {
      const overlap = Math.min(to, i + 1) - Math.max(from, i);
      if (overlap > 0) {
        at.push(i);
        weight.push(overlap / (to - from));
      }
    }
  }
  first[size] = at.length;
  return { first, at: Int32Array.from(at), weight: Float64Array.from(weight), inside };
}

/** The leak frame averaged over each shown grid pixel's footprint; 0 elsewhere. */
function resample(frame: Uint8Array, map: GridMap): Uint8Array {
  const out = new Uint8Array(GREY_WIDTH * GREY_HEIGHT);
  const { x, y } = map;
  for (let r = 0; r < GREY_HEIGHT; r++) {
    if (!y.inside[r]) continue;
    for (let c = 0; c < GREY_WIDTH; c++) {
      if (!x.inside[c]) continue;
      let sum = 0;
      for (let ty = y.first[r]!; ty < y.first[r + 1]!; ty++) {
        const row = y.at[ty]! * LEAK_GREY_WIDTH;
        const wy = y.weight[ty]!;
        for (let tx = x.first[c]!; tx < x.first[c + 1]!; tx++) sum += wy * x.weight[tx]! * frame[row + x.at[tx]!]!;
      }
      out[r * GREY_WIDTH + c] = Math.round(sum);
    }
  }
  return out;
}
