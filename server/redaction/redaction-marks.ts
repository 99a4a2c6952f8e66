/**
 * What a reviewer marks for redaction: time ranges to mute and rectangles to blur, each rectangle
 * for its own time range. Times are milliseconds of the replay video (the recording's segments
 * back to back, gaps left out, as the replay page plays them); rectangles are fractions of the
 * frame, so one mark fits the original and its smaller marked variants alike.
 */
import { z } from 'zod';

export const MAX_MARKS = 64;
/** Smaller than this share of the frame, a blur would be a few pixels wide and hide nothing. */
export const MIN_RECT = 0.02;

const ms = z.number().int().min(0);
const fraction = z.number().min(0).max(1);

const range = z
  .object({ fromMs: ms, toMs: ms })
  .strict()
  .refine((r) => r.fromMs < r.toMs, 'fromMs must be before toMs');

const rect = z
  .object({ x: fraction, y: fraction, w: fraction.min(MIN_RECT), h: fraction.min(MIN_RECT), fromMs: ms, toMs: ms })
  .strict()
  .refine((r) => r.fromMs < r.toMs, 'fromMs must be before toMs')
  // A small tolerance: fractions typed as percentages do not add up exactly.
  .refine((r) => r.x + r.w <= 1 + 1e-9 && r.y + r.h <= 1 + 1e-9, 'the rectangle must lie inside the frame');

export const redactionMarksSchema = z
  .object({ mute: z.array(range).max(MAX_MARKS), blur: z.array(rect).max(MAX_MARKS) })
  .strict()
  .refine((m) => m.mute.length + m.blur.length > 0, 'at least one mark');

export type RedactionMarks = z.infer<typeof redactionMarksSchema>;

/** The marks ending after `durationMs`: a mark must lie within the recording it redacts. */
export function marksBeyond(marks: RedactionMarks, durationMs: number): number {
  return [...marks.mute, ...marks.blur].filter((m) => m.toMs > durationMs).length;
}

/** One segment on the replay video's clock, and where its own timestamps start. */
export interface SegmentClock {
  /** ms of replay video before this segment */
  positionMs: number;
  durationMs: number;
  /** the segment's first video timestamp, in seconds (filters of a `-copyts` encode see this clock) */
  startSeconds: number;
}

export interface TimeRange {
  from: number;
  to: number;
}
export interface BlurRect extends TimeRange {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The marks that touch one segment, in its timestamps' seconds. */
export interface SegmentRedaction {
  mute: TimeRange[];
  blur: BlurRect[];
}

/**
 * Each segment is mapped on its own timestamps: a recording continued after a gap starts its
 * timestamps again, and a mark after the gap must still land on its moment.
 */
export function marksForSegment(marks: RedactionMarks, clock: SegmentClock): SegmentRedaction {
  const end = clock.positionMs + clock.durationMs;
  const touches = (m: { fromMs: number; toMs: number }) => m.fromMs <= end && m.toMs >= clock.positionMs;
  const seconds = (atMs: number) => clock.startSeconds + (atMs - clock.positionMs) / 1000;
  const timed = (m: { fromMs: number; toMs: number }) => ({ from: seconds(m.fromMs), to: seconds(m.toMs) });
  return {
    mute: marks.mute.filter(touches).map(timed),
    blur: marks.blur.filter(touches).map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h, ...timed(b) })),
  };
}
