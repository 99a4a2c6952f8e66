/**
 * MPEG-TS continuity counters carried on across segments. ffmpeg starts every segment file's
 * counters at 0, so a client reading segments one after another sees a counter jump at every
 * boundary and takes the first packets after it for lost data (ffmpeg: `Packet corrupt`; VLC
 * drops the frame before). Stored segments are evidence and stay as they are; what is served is
 * the same bytes with each PID's counters shifted to continue from the previous segment served.
 *
 * ISO/IEC 13818-1 §2.4.3.3: the 4-bit counter increments per PID with each packet that carries a
 * payload; a packet with only an adaptation field repeats the counter of the one before, and a
 * duplicate packet repeats it too. Shifting every counter of a PID by one constant keeps all of
 * that (and any discontinuity inside the segment) exactly as written. Pure.
 */

export const TS_PACKET_BYTES = 188;
const SYNC_BYTE = 0x47;
const NULL_PID = 0x1fff;

/** PID → the counter its next packet with a payload should carry. */
export type ContinuityState = ReadonlyMap<number, number>;

export interface Continued {
  bytes: Buffer;
  /** where the segment after this one continues from */
  end: ContinuityState;
}

/**
 * A copy of `segment` whose counters continue from `start`. A PID `start` does not know keeps
 * its own counters; bytes that are not whole 188-byte packets in sync come back unchanged (they
 * are served as stored rather than guessed at).
 */
export function continueCounters(segment: Buffer, start: ContinuityState): Continued {
  const end = new Map(start);
  if (segment.length % TS_PACKET_BYTES !== 0 || !everyPacketInSync(segment)) return { bytes: segment, end };
  const out = Buffer.from(segment);
  const shift = new Map<number, number>();
  for (let at = 0; at < out.length; at += TS_PACKET_BYTES) {
    const pid = ((out[at + 1]! & 0x1f) << 8) | out[at + 2]!;
    if (pid === NULL_PID) continue;
    const flags = out[at + 3]!;
    const cc = flags & 0x0f;
    const hasPayload = (flags & 0x10) !== 0;
    let by = shift.get(pid);
    if (by === undefined) {
      // The first packet of a PID fixes its shift: a payload packet takes the expected counter,
      // an adaptation-only one (which repeats the previous counter) takes the one before it.
      const expected = start.get(pid);
      by = expected === undefined ? 0 : (expected - (hasPayload ? 0 : 1) - cc + 32) % 16;
      shift.set(pid, by);
    }
    const shifted = (cc + by) % 16;
    out[at + 3] = (flags & 0xf0) | shifted;
    // Either way the next packet with a payload carries one more (an adaptation-only packet
    // repeats the counter of the payload packet before it).
    end.set(pid, (shifted + 1) % 16);
  }
  return { bytes: out, end };
}

export function everyPacketInSync(bytes: Buffer): boolean {
  for (let at = 0; at < bytes.length; at += TS_PACKET_BYTES) if (bytes[at] !== SYNC_BYTE) return false;
  return true;
}
