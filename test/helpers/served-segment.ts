/**
 * Comparing a served segment with the stored object it was served from. Playback rewrites the
 * MPEG-TS continuity counters (server/media/ts-continuity.ts) so a session's segments run on as
 * one stream; every other bit is served as stored. Masking the counters on both sides keeps the
 * comparison exact for everything else.
 */
import { sha256Hex } from '../../server/crypto/hash.ts';
import { TS_PACKET_BYTES } from '../../server/media/ts-continuity.ts';

/** A copy of `ts` with the continuity counter (the low nibble of byte 3) of every packet zeroed. */
export function withoutContinuityCounters(ts: Buffer): Buffer {
  const copy = Buffer.from(ts);
  for (let at = 3; at < copy.length; at += TS_PACKET_BYTES) copy[at]! &= 0xf0;
  return copy;
}

/** The hash of `ts` with its continuity counters masked: equal for a served segment and its stored object. */
export function hashWithoutCounters(ts: Buffer): string {
  return sha256Hex(withoutContinuityCounters(ts));
}
