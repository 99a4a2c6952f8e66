/**
 * A device's live feed as one stream for HLS: its live recordings one after another (oldest
 * first), each recording's segments in ledger order. A live session's playlist is a window on the
 * tail of that stream, numbered by its place in the whole stream, so that one playlist URL never
 * goes backwards (RFC 8216 §6.2.1) — not when the window slides, nor across gaps, roll-overs, or a
 * new recording of the device.
 *
 * A segment opens a discontinuity when a gap lies before it in its recording, or when it is the
 * first of a recording other than the stream's first (a new recording restarts the encoder's
 * clock; a roll-over is marked too, which costs players nothing).
 */
import type { Repositories } from '../db/repositories.ts';
import type { PlaybackRepository, StreamCounts } from '../db/playback-repository.ts';
import type { Recording } from '../db/schema.ts';
import type { PlaylistEntry } from './playlist.ts';
import { TtlCache } from './ttl-cache.ts';

export interface StreamWindow {
  recording: Recording | undefined;
  /** the window's entries from its first segment on, in ledger order */
  entries: PlaylistEntry[];
  /** the stream's segments before the window's first */
  mediaSequence: number;
  /** the stream's discontinuities up to and including the window's first segment */
  discontinuitySequence: number;
}

export class DeviceStreams {
  /** recording id → counts of the device's stream before it, once every earlier recording is closed */
  private readonly before = new TtlCache<string, StreamCounts>(Infinity, 100_000);
  private readonly playback: PlaybackRepository;

  constructor(repos: Repositories) {
    this.playback = repos.playback;
  }

  /** The last `size` segments of the device's stream, from its newest recording that has any. */
  async window(deviceId: string, size: number): Promise<StreamWindow> {
    const newest = await this.playback.newestLiveRecordings(deviceId);
    // A recording that has sealed nothing yet does not empty the window the viewer already has.
    const recording = newest.find((r) => r.segment_count > 0) ?? newest[0];
    if (!recording) return { recording, entries: [], mediaSequence: 0, discontinuitySequence: 0 };
    const oldest = await this.playback.nthNewestSegment(recording.id, size);
    const firstSegment = await this.playback.firstSegmentFrom(recording.id, oldest ?? 0);
    if (firstSegment === undefined) return { recording, entries: [], mediaSequence: 0, discontinuitySequence: 0 };
    const rows = await this.playback.mediaEntries(recording.id, firstSegment);
    const earlier = await this.countsBefore(recording);
    const upToFirst = await this.playback.streamCountsUpTo(recording.id, firstSegment);
    return {
      recording,
      entries: rows.map((e) => ({ idx: e.idx, kind: e.kind as 'segment' | 'gap', startAt: e.start_at, durationMs: e.duration_ms })),
      mediaSequence: earlier.segments + upToFirst.segments - 1,
      // The stream's very first segment opens nothing.
      discontinuitySequence: earlier.openings + upToFirst.openings - 1,
    };
  }

  private async countsBefore(r: Recording): Promise<StreamCounts> {
    const hit = this.before.get(r.id);
    if (hit) return hit;
    const { counts, anyOpen } = await this.playback.streamCountsBefore(r);
    // An earlier recording still open may seal more (a roll-over's last part): count again next time.
    if (!anyOpen) this.before.set(r.id, counts);
    return counts;
  }
}
