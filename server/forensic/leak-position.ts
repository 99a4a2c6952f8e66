/**
 * Where a leak shows a recording, in space and in time. Most leaks show the whole picture, so a
 * caller tries `plainPosition` first, on the leak decoded to the recording's grid; only when no
 * recording has the leak that way does it decode the leak finer and try `registeredPosition`:
 * the picture's geometry searched for (a crop, bars, a mirror: geometry.ts), the leak aligned
 * through it, the geometry refined on the frames that alignment pairs, and the leak aligned
 * once more. Pure.
 */
import { type Alignment, alignLeak } from './alignment.ts';
import { ALL_VALID } from './frame-compare.ts';
import { IDENTITY, type LeakView, refineGeometry, searchGeometry, viewThrough } from './geometry.ts';
import type { Reference } from './reference.ts';

export interface LeakPosition {
  view: LeakView;
  alignment: Alignment;
}

type Originals = Pick<Reference, 'frames' | 'coarse' | 'segments'>;

function through(view: LeakView, reference: Originals): LeakPosition | null {
  if (view.frames.length === 0 || reference.frames.length === 0) return null;
  const alignment = alignLeak(view.frames, view.shown, reference.frames, reference.segments, reference.coarse);
  return alignment && { view, alignment };
}

/** `leak`: its frames decoded to the recording's grid (GREY_WIDTH × GREY_HEIGHT), taken to show the whole picture. */
export function plainPosition(leak: Uint8Array[], reference: Originals): LeakPosition | null {
  return through({ geometry: IDENTITY, frames: leak, shown: ALL_VALID }, reference);
}

/** `leak`: its frames decoded at LEAK_GREY_WIDTH × LEAK_GREY_HEIGHT. */
export function registeredPosition(leak: Uint8Array[], reference: Originals): LeakPosition | null {
  if (leak.length === 0 || reference.frames.length === 0) return null;
  const found = searchGeometry(leak, reference.coarse);
  if (found === IDENTITY) return null;
  const rough = through(viewThrough(leak, found), reference);
  if (!rough) return null;
  const refined = refineGeometry(
    leak,
    found,
    rough.alignment.pairs.map((p) => ({ leak: p.leak, original: reference.frames[p.original]! })),
  );
  return through(viewThrough(leak, refined), reference) ?? rough;
}
