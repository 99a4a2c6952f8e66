import { describe, expect, it } from 'vitest';
import { parseSegmentList, segmenterOutputOptions } from '../../server/media/segmenter-args.ts';

describe('the segmenter command', () => {
  it('only copies streams (an original is never re-encoded) and cuts at the configured duration', () => {
    const args = segmenterOutputOptions({ segmentSeconds: 4 });
    expect(args.join(' ')).toContain('-c copy');
    expect(args).not.toContain('libx264');
    expect(args[args.indexOf('-segment_time') + 1]).toBe('4');
    expect(args[args.indexOf('-segment_list_type') + 1]).toBe('csv');
  });

  it('maps the audio alone for a sound recording, pictures and sound otherwise', () => {
    expect(segmenterOutputOptions({ segmentSeconds: 4, audioOnly: true }).join(' ')).toContain('-map 0:a -c copy');
    expect(segmenterOutputOptions({ segmentSeconds: 4, audioOnly: true })).not.toContain('0:v');
    expect(segmenterOutputOptions({ segmentSeconds: 4 }).join(' ')).toContain('-map 0:v -map 0:a?');
  });
});

describe('the segment list', () => {
  it('yields complete rows and leaves a partial last line for the next read', () => {
    const text = 'seg_000000.ts,0.000000,2.000000\nseg_000001.ts,2.000000,4.0';
    const first = parseSegmentList(text);
    expect(first.rows).toEqual([{ file: 'seg_000000.ts', startSeconds: 0, endSeconds: 2 }]);
    const rest = text.slice(first.consumed) + '00000\n';
    expect(parseSegmentList(rest).rows).toEqual([{ file: 'seg_000001.ts', startSeconds: 2, endSeconds: 4 }]);
  });

  it('refuses a row naming a file that is not one of ours (no path can escape the spool folder)', () => {
    expect(() => parseSegmentList('../etc/passwd,0,2\n')).toThrow(/unexpected segment list line/);
    expect(() => parseSegmentList('seg_000001.ts\n')).toThrow(/unexpected/);
  });
});
