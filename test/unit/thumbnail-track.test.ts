import { describe, expect, it } from 'vitest';
import { MAX_TILES, spriteLayout, thumbnailsVtt, vttTime } from '../../server/media/thumbnail-track.ts';

const segments = (durations: number[]) => durations.map((durationMs, i) => ({ idx: i + 1, durationMs }));

describe('the sprite layout', () => {
  it('places one 160×90 tile per segment, ten to a row', () => {
    const layout = spriteLayout(segments(Array(23).fill(2000)));
    expect(layout).toMatchObject({ columns: 10, rows: 3, width: 1600, height: 270 });
    expect(layout.tiles[12]).toEqual({ idx: 13, startMs: 24_000, endMs: 26_000, x: 320, y: 90 });
  });

  it('is as narrow as its tiles when there are fewer than a row', () => {
    expect(spriteLayout(segments([2000, 1500, 900]))).toMatchObject({ columns: 3, rows: 1, width: 480, height: 90 });
  });

  it('lets one tile stand for several segments past MAX_TILES, still covering every moment', () => {
    const n = MAX_TILES * 2 + 1;
    const layout = spriteLayout(segments(Array(n).fill(2000)));
    expect(layout.tiles.length).toBeLessThanOrEqual(MAX_TILES);
    expect(layout.tiles.at(-1)!.endMs).toBe(n * 2000);
    expect(layout.height).toBeLessThan(65_535);
  });

  it('skips segments without duration: they have no moment to show', () => {
    expect(spriteLayout(segments([2000, 0, 2000])).tiles.map((t) => t.idx)).toEqual([1, 3]);
  });
});

describe('the thumbnails track', () => {
  it('has contiguous cues from 0 to the sum of segment durations, each pointing into the sheet', () => {
    const vtt = thumbnailsVtt(spriteLayout(segments([2040, 1960, 2000, 1013])));
    expect(vtt).toBe(
      'WEBVTT\n\n' +
        '00:00:00.000 --> 00:00:02.040\nsprite.jpg#xywh=0,0,160,90\n\n' +
        '00:00:02.040 --> 00:00:04.000\nsprite.jpg#xywh=160,0,160,90\n\n' +
        '00:00:04.000 --> 00:00:06.000\nsprite.jpg#xywh=320,0,160,90\n\n' +
        '00:00:06.000 --> 00:00:07.013\nsprite.jpg#xywh=480,0,160,90\n',
    );
  });

  it('writes times as hh:mm:ss.ttt', () => {
    expect(vttTime(0)).toBe('00:00:00.000');
    expect(vttTime(3_723_004)).toBe('01:02:03.004');
    expect(vttTime(100 * 3_600_000)).toBe('100:00:00.000');
  });
});
