/**
 * Continuity counters per playback session: each segment a session is served continues the
 * counters of the segment that session was served before it on the same track (ts-continuity.ts),
 * so a client reading the playlist in order sees one unbroken transport stream, whatever mix of
 * originals, codeword variants (whose packet counts differ) or renditions it is made of. This is
 * why counters are rewritten when served rather than when derivatives are made: no numbering
 * fixed at production time can continue across every mix of mark_a and mark_b a codeword picks.
 *
 * A segment asked for again (a retry, a seek back) gets the counters it had the first time.
 */
import { type ContinuityState, continueCounters } from '../media/ts-continuity.ts';
import { TtlCache } from './ttl-cache.ts';

export class SessionContinuity {
  /** `<session>/<track>` → where the next segment served on that track continues from */
  private readonly tails: TtlCache<string, ContinuityState>;
  /** `<session>/<object>` → the counters that segment was first served from */
  private readonly starts: TtlCache<string, ContinuityState>;

  constructor(ttlMs: number) {
    this.tails = new TtlCache(ttlMs, 100_000);
    this.starts = new TtlCache(ttlMs, 500_000);
  }

  /** `stored` (already checked against its hash) as served in `sessionId` on `track`. */
  serve(sessionId: string, track: string, object: string, stored: Buffer): Buffer {
    const key = `${sessionId}/${object}`;
    const again = this.starts.get(key);
    const start = again ?? this.tails.get(`${sessionId}/${track}`) ?? new Map<number, number>();
    const { bytes, end } = continueCounters(stored, start);
    if (!again) {
      this.starts.set(key, start);
      this.tails.set(`${sessionId}/${track}`, end);
    }
    return bytes;
  }
}
