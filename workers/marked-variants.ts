/**
 * The forensic A/B variants of a closed recording's segments (DASH-IF / ETSI TS 104 002 model):
 * each segment re-encoded twice, once with the mark added (A), once with it subtracted (B)
 * (server/media/forensic-mark.ts), its short side scaled to at most 720 lines
 * (rendition-args.ts scaleToShortSide). Each variant keeps its original's timestamps and starts
 * with an IDR frame, so a playlist can pick A or B per segment and still play one seamless stream.
 * Originals are read, checked against the ledger, and never touched.
 *
 * segment.derive already marks each segment as it is sealed; this pass makes whatever that left
 * out (a segment whose job failed, a recording sealed before marks were made per segment), so a
 * closed recording is marked throughout before a party copy is made from it.
 */
import { InvalidInput } from '../server/errors.ts';
import type { JobContext, WorkerDeps } from './job-handler.ts';
import { makeSegmentProducts } from './segment-derive.ts';

export async function deriveMarkedVariants(recordingId: string, ctx: JobContext, deps: WorkerDeps): Promise<void> {
  const recordings = deps.repos.recordings;
  const recording = await recordings.get(recordingId);
  // Marked throughout means every segment there will ever be: only a closed recording has them all.
  if (recording.state !== 'closed') throw new InvalidInput(`recording ${recordingId} is not closed`);
  const segments = await recordings.segments(recordingId);
  for (const [n, entry] of segments.entries()) {
    await makeSegmentProducts(entry, ['mark_a', 'mark_b'], ctx, deps);
    await ctx.progress(Math.round((100 * (n + 1)) / segments.length));
  }
}
