import { describe, expect, it } from 'vitest';
import type { PlaylistSegment } from '../../server/playback/playlist.ts';
import { type NumberedSegments, RenditionRuns } from '../../server/playback/rendition-run.ts';

/** A live window of segments `idxs` (ledger indexes), numbered from media sequence 100; `afterGap`: those a gap precedes. */
function windowOf(idxs: number[], afterGap: number[] = []): NumberedSegments {
  const segments: PlaylistSegment[] = idxs.map((idx, i) => ({
    idx,
    startAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 2 * idx)).toISOString(),
    durationMs: 2000,
    discontinuity: i > 0 && afterGap.includes(idx),
  }));
  return { segments, mediaSequence: 100, discontinuitySequence: 7 };
}

const idxs = (n: NumberedSegments) => n.segments.map((s) => s.idx);

describe("a live session's 360p playlist", () => {
  it('lists the whole window when every segment has its rendition', () => {
    const listed = new RenditionRuns(60_000).list('s', windowOf([1, 2, 3, 4, 5, 6]), new Set([1, 2, 3, 4, 5, 6]));
    expect(listed).toEqual(windowOf([1, 2, 3, 4, 5, 6]));
  });

  it('ends before the newest segments whose rendition the worker has not made yet', () => {
    const listed = new RenditionRuns(60_000).list('s', windowOf([1, 2, 3, 4, 5, 6]), new Set([1, 2, 3, 4]));
    expect(listed).toMatchObject({ mediaSequence: 100, discontinuitySequence: 7 });
    expect(idxs(listed)).toEqual([1, 2, 3, 4]);
  });

  it('starts where the renditions start for a feed watched only since its fourth segment, numbered as the stream numbers it', () => {
    const listed = new RenditionRuns(60_000).list('s', windowOf([1, 2, 3, 4, 5, 6]), new Set([4, 5]));
    expect(idxs(listed)).toEqual([4, 5]);
    expect(listed).toMatchObject({ mediaSequence: 103, discontinuitySequence: 7 });
  });

  it('counts the discontinuities it starts after, and tags none on its first segment', () => {
    const listed = new RenditionRuns(60_000).list('s', windowOf([1, 2, 3, 4, 5, 6], [3, 5]), new Set([3, 4, 5]));
    expect(idxs(listed)).toEqual([3, 4, 5]);
    expect(listed.mediaSequence).toBe(102);
    expect(listed.discontinuitySequence).toBe(8);
    expect(listed.segments.map((s) => s.discontinuity)).toEqual([false, false, true]);
  });

  it('never starts earlier for a session than it did, when an older rendition is made late', () => {
    const runs = new RenditionRuns(60_000);
    expect(runs.list('s', windowOf([1, 2, 3, 4, 5, 6]), new Set([5])).mediaSequence).toBe(104);
    const later = runs.list('s', windowOf([1, 2, 3, 4, 5, 6]), new Set([4, 5, 6]));
    expect(idxs(later)).toEqual([5, 6]);
    expect(later.mediaSequence).toBe(104);
    // Another session, opened now, starts at the first rendition it finds.
    expect(idxs(runs.list('t', windowOf([1, 2, 3, 4, 5, 6]), new Set([4, 5, 6])))).toEqual([4, 5, 6]);
  });

  it('lists nothing while no segment of the window has its rendition', () => {
    expect(new RenditionRuns(60_000).list('s', windowOf([1, 2, 3]), new Set()).segments).toEqual([]);
  });
});
