/**
 * The forensic codeword of a playback session or an export (DASH-IF / ETSI TS 104 002 A/B
 * model): segment i of what that viewer receives is variant A or B by bit i of the codeword. The
 * bits are a keyed hash of the id, so nobody without the server key can compute another
 * viewer's sequence; tracing compares a leak with the codewords of the sessions that could have
 * made it (maximum-likelihood decoding over known candidates, which is what error correction
 * buys when the candidates are known).
 */
import { createHmac } from 'node:crypto';

export type Variant = 'A' | 'B';

export function codewordVariant(key: Buffer, subjectId: string, segmentIdx: number): Variant {
  const block = Math.floor((segmentIdx - 1) / 256);
  const bit = (segmentIdx - 1) % 256;
  const digest = createHmac('sha256', key).update(`${subjectId}:${block}`).digest();
  return (digest[bit >> 3]! >> (bit & 7)) & 1 ? 'B' : 'A';
}

/** The stored variant that carries segment i of `subjectId`'s copy (replay variants and redactions alike). */
export function markKind(key: Buffer, subjectId: string, segmentIdx: number): 'mark_a' | 'mark_b' {
  return codewordVariant(key, subjectId, segmentIdx) === 'A' ? 'mark_a' : 'mark_b';
}
