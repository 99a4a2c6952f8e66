/**
 * Which stored object serves segment i of a session. A replay serves its forensic variant, always:
 * segments not marked yet are held back, not served unmarked (marked-prefix.ts). The live wall
 * serves the 360p rendition where the worker has made it, the original where it has not yet. Pure.
 *
 * A segment URL says `mark`, never which variant: the server works that out from the session's
 * codeword. A URL naming the variant would tell a viewer their codeword, and with the pattern
 * (which is in the source code) how to subtract the mark.
 */
import type { DerivativeKind } from '../db/schema.ts';
import { markKind } from '../forensic/codeword.ts';

/** What a playlist's segment URL asks for. */
export type SegmentSource = 'original' | 'mark' | 'r360';

/** What the workers have made for the segments a playlist lists. */
export interface Derived {
  /** every segment of the recording has both mark variants */
  marked: boolean;
  /** segments with both mark variants (replay) */
  marks: ReadonlySet<number>;
  /** segments with a 360p rendition */
  r360: ReadonlySet<number>;
}

export function segmentSource(kind: 'live' | 'replay', derived: Derived, idx: number): SegmentSource {
  if (kind === 'replay') return 'mark';
  return derived.r360.has(idx) ? 'r360' : 'original';
}

/** The derivative that serves a source other than the original: for `mark`, the session's codeword variant. */
export function derivativeFor(source: Exclude<SegmentSource, 'original'>, codewordKey: Buffer, sessionId: string, idx: number): DerivativeKind {
  if (source === 'r360') return 'r360';
  return markKind(codewordKey, sessionId, idx);
}
