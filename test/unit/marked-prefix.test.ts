import { describe, expect, it } from 'vitest';
import { markedPrefix } from '../../server/playback/marked-prefix.ts';
import type { PlaylistEntry } from '../../server/playback/playlist.ts';

const seg = (idx: number): PlaylistEntry => ({ idx, kind: 'segment', startAt: '2026-01-01T00:00:00Z', durationMs: 2000 });
const gap = (idx: number): PlaylistEntry => ({ ...seg(idx), kind: 'gap' });

describe('what a replay may list while it is being marked', () => {
  it('stops before the first segment without both variants, even when later ones have them', () => {
    const { entries, held } = markedPrefix([seg(1), gap(2), seg(3), seg(4), seg(5)], new Set([1, 3, 5]));
    expect(entries.map((e) => e.idx)).toEqual([1, 2, 3]);
    expect(held).toBe(2);
  });

  it('lists everything, holding nothing, once every segment is marked', () => {
    const all = [seg(1), gap(2), seg(3)];
    expect(markedPrefix(all, new Set([1, 3]))).toEqual({ entries: all, held: 0 });
  });

  it('lists nothing while the first segment is unmarked', () => {
    expect(markedPrefix([seg(1), seg(2)], new Set([2]))).toEqual({ entries: [], held: 2 });
  });
});
