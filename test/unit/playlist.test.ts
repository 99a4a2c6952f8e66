import { describe, expect, it } from 'vitest';
import { type PlaylistEntry, renderPlaylist } from '../../server/playback/playlist.ts';

const seg = (idx: number, startAt: string, durationMs = 2000): PlaylistEntry => ({ idx, kind: 'segment', startAt, durationMs });
const gap = (idx: number, startAt: string, durationMs: number): PlaylistEntry => ({ idx, kind: 'gap', startAt, durationMs });
const url = (idx: number) => `r/${idx}.ts`;

describe('playlists from the ledger', () => {
  it('show a replay with its gap as a discontinuity carrying the wall-clock time after it', () => {
    const text = renderPlaylist({
      entries: [seg(1, '2026-01-01T00:00:00.000Z'), seg(2, '2026-01-01T00:00:02.000Z', 2500), gap(3, '2026-01-01T00:00:04.500Z', 5000), seg(4, '2026-01-01T00:00:09.500Z')],
      segmentsBefore: 0, gapsBefore: 0, ended: true, kind: 'replay', segmentUrl: url,
    });
    expect(text).toBe(
      [
        '#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z', '#EXTINF:2.000,', 'r/1.ts',
        '#EXTINF:2.500,', 'r/2.ts',
        '#EXT-X-DISCONTINUITY', '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:09.500Z', '#EXTINF:2.000,', 'r/4.ts',
        '#EXT-X-ENDLIST', '',
      ].join('\n'),
    );
  });

  it('number a live window by segments and discontinuities before it, counting a gap at its start', () => {
    const text = renderPlaylist({
      entries: [gap(10, '2026-01-01T00:01:00.000Z', 3000), seg(11, '2026-01-01T00:01:03.000Z'), seg(12, '2026-01-01T00:01:05.000Z')],
      segmentsBefore: 8, gapsBefore: 1, ended: false, kind: 'live', segmentUrl: url,
    });
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:8\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n');
    expect(text).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(text).not.toContain('ENDLIST');
    expect(text).not.toContain('PLAYLIST-TYPE');
    expect(text.match(/\.ts/g)).toHaveLength(2);
  });

  it('leave an unfinished replay open as an EVENT playlist', () => {
    const text = renderPlaylist({ entries: [seg(1, '2026-01-01T00:00:00.000Z')], segmentsBefore: 0, gapsBefore: 0, ended: false, kind: 'replay', segmentUrl: url });
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(text).not.toContain('ENDLIST');
  });
});
