import { describe, expect, it } from 'vitest';
import { marksBeyond, marksForSegment, MAX_MARKS, redactionMarksSchema } from '../../server/redaction/redaction-marks.ts';

const rect = { x: 0.1, y: 0.2, w: 0.3, h: 0.4, fromMs: 1000, toMs: 3000 };
const range = { fromMs: 500, toMs: 1500 };

describe('what a reviewer marks', () => {
  it.each<[string, unknown]>([
    ['one mute range', { mute: [range], blur: [] }],
    ['one blur rectangle', { mute: [], blur: [rect] }],
    ['a rectangle to the frame’s edges', { mute: [], blur: [{ ...rect, x: 0.75, y: 0.5, w: 0.25, h: 0.5 }] }],
    ['percentages that do not add up exactly', { mute: [], blur: [{ ...rect, x: 0.7, w: 0.3 }] }],
    [`${MAX_MARKS} of each`, { mute: Array(MAX_MARKS).fill(range), blur: Array(MAX_MARKS).fill(rect) }],
  ])('accepts %s', (_, marks) => {
    expect(redactionMarksSchema.safeParse(marks).success).toBe(true);
  });

  it.each<[string, unknown]>([
    ['no mark at all', { mute: [], blur: [] }],
    ['a missing list', { mute: [range] }],
    ['a range that ends before it starts', { mute: [{ fromMs: 2000, toMs: 1000 }], blur: [] }],
    ['an empty range', { mute: [{ fromMs: 1000, toMs: 1000 }], blur: [] }],
    ['a negative time', { mute: [{ fromMs: -1, toMs: 1000 }], blur: [] }],
    ['a fractional millisecond', { mute: [{ fromMs: 0.5, toMs: 1000 }], blur: [] }],
    ['a rectangle past the right edge', { mute: [], blur: [{ ...rect, x: 0.8, w: 0.3 }] }],
    ['a rectangle past the bottom', { mute: [], blur: [{ ...rect, y: 0.9, h: 0.2 }] }],
    ['a rectangle in pixels', { mute: [], blur: [{ ...rect, x: 10, w: 200 }] }],
    ['a rectangle too small to hide anything', { mute: [], blur: [{ ...rect, w: 0.01 }] }],
    ['a rectangle without a time range', { mute: [], blur: [{ x: 0.1, y: 0.1, w: 0.2, h: 0.2 }] }],
    [`more than ${MAX_MARKS} rectangles`, { mute: [], blur: Array(MAX_MARKS + 1).fill(rect) }],
    ['an unknown field', { mute: [range], blur: [], note: 'x' }],
  ])('refuses %s', (_, marks) => {
    expect(redactionMarksSchema.safeParse(marks).success).toBe(false);
  });

  it('counts the marks that end after the recording', () => {
    const marks = { mute: [range, { fromMs: 7000, toMs: 9000 }], blur: [{ ...rect, toMs: 8001 }] };
    expect(marksBeyond(marks, 9000)).toBe(0);
    expect(marksBeyond(marks, 8000)).toBe(2);
    expect(marksBeyond(marks, 1000)).toBe(3);
  });
});

describe('marks on a segment’s own clock', () => {
  const marks = {
    mute: [{ fromMs: 1500, toMs: 2500 }],
    blur: [
      { ...rect, fromMs: 0, toMs: 1000 },
      { ...rect, fromMs: 5000, toMs: 6000 },
    ],
  };

  it('maps replay milliseconds onto the timestamps the segment starts at', () => {
    // The second 2 s segment of a recording whose timestamps start at 1.4 s.
    const seg = marksForSegment(marks, { positionMs: 2000, durationMs: 2000, startSeconds: 3.4 });
    expect(seg.mute).toEqual([{ from: 2.9, to: 3.9 }]);
    expect(seg.blur).toEqual([]);
  });

  it('keeps only the marks that touch the segment, with their rectangles', () => {
    const first = marksForSegment(marks, { positionMs: 0, durationMs: 2000, startSeconds: 1.4 });
    expect(first.mute).toEqual([{ from: 2.9, to: 3.9 }]);
    expect(first.blur).toEqual([{ x: 0.1, y: 0.2, w: 0.3, h: 0.4, from: 1.4, to: 2.4 }]);
    const third = marksForSegment(marks, { positionMs: 4000, durationMs: 2000, startSeconds: 5.4 });
    expect(third.mute).toEqual([]);
    expect(third.blur.map((b) => [b.from, b.to])).toEqual([[6.4, 7.4]]);
  });

  it('follows a segment after a gap whose timestamps started again', () => {
    const afterGap = marksForSegment(marks, { positionMs: 4000, durationMs: 2000, startSeconds: 0.2 });
    expect(afterGap.blur.map((b) => [b.from, b.to])).toEqual([[1.2, 2.2]]);
  });
});
