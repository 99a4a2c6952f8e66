/**
 * A recording's originals as a trace compares them: every frame as a tiny grey image, and where
 * each segment's frames begin. The originals are checked against the ledger on the way in — a
 * trace names a person, so it rests only on evidence known to be intact — and decoded as one
 * stream (one ffmpeg start per recording, not per segment).
 */
import { Readable } from 'node:stream';
import { sha256Hex } from '../crypto/hash.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import { ChecksumMismatch } from '../errors.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { ALL_VALID, coarseFrame } from './frame-compare.ts';
import { decodeGreyFrames } from './grey-frames.ts';
import { videoFrameCount } from './ts-frames.ts';

export interface ReferenceSegment {
  /** ledger index: the codeword position */
  idx: number;
  /** the segment's first frame in `frames` */
  first: number;
  count: number;
  startAt: string;
  durationMs: number;
}

export interface Reference {
  recordingId: string;
  frames: Uint8Array[];
  /** the frames' coarse copies, which alignment searches (frame-compare.ts) */
  coarse: Float32Array[];
  segments: ReferenceSegment[];
}

/** Recordings' originals decoded for comparison, from the ledger's segments and the store. */
export class RecordingReferences {
  constructor(
    private readonly recordings: RecordingRepository,
    private readonly store: EvidenceStore,
    private readonly ffmpegPath: string,
  ) {}

  async load(recordingId: string): Promise<Reference> {
    const entries = await this.recordings.segments(recordingId);
    const segments: ReferenceSegment[] = [];
    // Only gaps: no picture to compare with (and ffmpeg would refuse an empty input).
    if (entries.length === 0) return { recordingId, frames: [], coarse: [], segments };
    let first = 0;
    const store = this.store;
    async function* originals() {
      for (const e of entries) {
        const bytes = await store.get(e.object_key!);
        if (sha256Hex(bytes) !== e.sha256) throw new ChecksumMismatch(e.object_key!);
        const count = videoFrameCount(bytes);
        segments.push({ idx: e.idx, first, count, startAt: e.start_at, durationMs: e.duration_ms });
        first += count;
        yield bytes;
      }
    }
    const frames = await decodeGreyFrames(this.ffmpegPath, Readable.from(originals()));
    if (frames.length !== first) throw new Error(`recording ${recordingId}: its segments hold ${first} video frames but decoded to ${frames.length}`);
    return { recordingId, frames, coarse: frames.map((f) => coarseFrame(f, ALL_VALID)), segments };
  }
}
