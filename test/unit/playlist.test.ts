import { describe, expect, it } from 'vitest';
import { type PlaylistEntry, renderMasterPlaylist, renderMediaPlaylist, segmentsOf, targetSeconds } from '../../server/playback/playlist.ts';

const seg = (idx: number, startAt: string, durationMs = 2000): PlaylistEntry => ({ idx, kind: 'segment', startAt, durationMs });
const gap = (idx: number, startAt: string, durationMs: number): PlaylistEntry => ({ idx, kind: 'gap', startAt, durationMs });
const url = (idx: number) => `r/${idx}.ts`;

describe('playlists from the ledger', () => {
  it('show a replay with its gap as a discontinuity carrying the wall-clock time after it', () => {
    const segments = segmentsOf([seg(1, '2026-01-01T00:00:00.000Z'), seg(2, '2026-01-01T00:00:02.000Z', 2500), gap(3, '2026-01-01T00:00:04.500Z', 5000), seg(4, '2026-01-01T00:00:09.500Z')]);
    const text = renderMediaPlaylist({ targetSeconds: targetSeconds(2, segments), mediaSequence: 0, discontinuitySequence: 0, segments, type: 'vod', ended: true, segmentUrl: url });
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-TARGETDURATION:3',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z',
        '#EXTINF:2.000,',
        'r/1.ts',
        '#EXTINF:2.500,',
        'r/2.ts',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:09.500Z',
        '#EXTINF:2.000,',
        'r/4.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('number a live window as the caller says, leaving a gap ahead of the first segment untagged', () => {
    const segments = segmentsOf([
      gap(10, '2026-01-01T00:01:00.000Z', 3000),
      seg(11, '2026-01-01T00:01:03.000Z'),
      gap(12, '2026-01-01T00:01:05.000Z', 1000),
      gap(13, '2026-01-01T00:01:06.000Z', 1000),
      seg(14, '2026-01-01T00:01:07.000Z'),
    ]);
    expect(segments.map((s) => s.discontinuity)).toEqual([false, true]);
    const text = renderMediaPlaylist({ targetSeconds: 2, mediaSequence: 8, discontinuitySequence: 2, segments, type: 'live', ended: false, segmentUrl: url });
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:8\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n');
    // Two gaps in a row are one discontinuity: the next window, starting at 14, counts 3.
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(text).not.toContain('ENDLIST');
    expect(text).not.toContain('PLAYLIST-TYPE');
  });

  it('leave an unfinished replay open as an EVENT playlist, and end it without changing its type', () => {
    const segments = segmentsOf([seg(1, '2026-01-01T00:00:00.000Z')]);
    const open = renderMediaPlaylist({ targetSeconds: 2, mediaSequence: 0, discontinuitySequence: 0, segments, type: 'event', ended: false, segmentUrl: url });
    expect(open).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(open).not.toContain('ENDLIST');
    const done = renderMediaPlaylist({ targetSeconds: 2, mediaSequence: 0, discontinuitySequence: 0, segments, type: 'event', ended: true, segmentUrl: url });
    expect(done).toBe(`${open}#EXT-X-ENDLIST\n`);
  });

  it('announce a target duration no EXTINF exceeds when rounded, and never below the segmenter’s length', () => {
    expect(targetSeconds(2, segmentsOf([seg(1, 'a', 2040), seg(2, 'b', 1960)]))).toBe(2);
    expect(targetSeconds(2, segmentsOf([seg(1, 'a', 2600)]))).toBe(3);
    expect(targetSeconds(2, [])).toBe(2);
    expect(targetSeconds(0.5, [])).toBe(1);
  });

  it('name each variant with its peak bandwidth in a master playlist', () => {
    expect(
      renderMasterPlaylist([
        { name: 'r360', url: 'r360.m3u8?s', bandwidth: 400_000.4 },
        { name: 'original', url: 'original.m3u8?s', bandwidth: 2_000_000 },
      ]),
    ).toBe(['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-STREAM-INF:BANDWIDTH=400000,NAME="r360"', 'r360.m3u8?s', '#EXT-X-STREAM-INF:BANDWIDTH=2000000,NAME="original"', 'original.m3u8?s', ''].join('\n'));
  });
});
