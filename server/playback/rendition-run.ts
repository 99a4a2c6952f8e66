/**
 * The segments a live session's 360p playlist lists: renditions are made only while someone
 * watches the feed (live-watch.ts), so a viewer who just started finds the window's older segments
 * without one. The playlist starts at the window's first segment that has its rendition and ends
 * before the first after it that has none yet (it never names an original, and grows as the worker
 * catches up), numbered as the device's stream numbers it. Its start never moves back for a
 * session (RFC 8216 §6.2.1): a rendition made late, before where the playlist last started, is not
 * listed.
 */
import type { PlaylistSegment } from './playlist.ts';
import { TtlCache } from './ttl-cache.ts';

export interface NumberedSegments {
  segments: PlaylistSegment[];
  /** the first segment's media sequence number */
  mediaSequence: number;
  /** the stream's discontinuities up to and including the first segment */
  discontinuitySequence: number;
}

export class RenditionRuns {
  /** session id → the media sequence its 360p playlist last started at */
  private readonly starts: TtlCache<string, number>;

  constructor(sessionMs: number) {
    this.starts = new TtlCache(sessionMs, 100_000);
  }

  /** What of `window` the session's 360p playlist lists, given the segments whose rendition is `made`. */
  list(sessionId: string, window: NumberedSegments, made: ReadonlySet<number>): NumberedSegments {
    const { segments } = window;
    const from = Math.max(0, (this.starts.get(sessionId) ?? window.mediaSequence) - window.mediaSequence);
    const found = segments.findIndex((s, i) => i >= from && made.has(s.idx));
    const start = found === -1 ? Math.min(from, segments.length) : found;
    const end = segments.findIndex((s, i) => i >= start && !made.has(s.idx));
    const run = segments.slice(start, end === -1 ? undefined : end);
    // Segments left out ahead of the run, its first included, count their discontinuities in the sequence: the first carries no tag.
    const openings = segments.slice(0, start + 1).filter((s) => s.discontinuity).length;
    const mediaSequence = window.mediaSequence + start;
    if (run.length > 0) this.starts.set(sessionId, mediaSequence);
    return {
      segments: run.map((s, i) => (i === 0 ? { ...s, discontinuity: false } : s)),
      mediaSequence,
      discontinuitySequence: window.discontinuitySequence + openings,
    };
  }
}
