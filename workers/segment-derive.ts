/**
 * segment.derive: a sealed segment's thumbnail (the scrub sprite's tile) and its forensic A/B
 * marked variants (replay), for every segment of every feed; segment.live (segment-live.ts) adds
 * the 360p rendition of the wall for a feed someone watches. The original is read from the store
 * and checked against its ledger hash before anything is made from it: a derivative names that
 * hash, so it must come from those bytes.
 *
 * The marks are made here, as each segment is sealed, rather than once the recording closes: a
 * replay serves marked bytes only (server/playback/marked-prefix.ts), so evidence becomes
 * viewable as soon as its segments are marked — seconds behind the camera when the workers keep
 * up — instead of after a whole recording's worth of encodes. They queue behind the wall's
 * renditions and exports (server/queue/job-kinds.ts): what is watched now comes first.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LedgerEntry } from '../server/db/schema.ts';
import { InvalidInput } from '../server/errors.ts';
import { runFfmpeg } from '../server/media/ffmpeg-runner.ts';
import { forensicMarkFilter } from '../server/media/forensic-mark.ts';
import { type FfmpegArgs, type ProductOutput, REPLAY_SHORT_SIDE, renditionOutput, segmentProductsArgs, thumbnailOutput } from '../server/media/rendition-args.ts';
import { fetchOriginal } from './original-segment.ts';
import type { JobContext, JobHandler, WorkerDeps } from './job-handler.ts';
import { withScratchDir } from './scratch-dir.ts';
import { isShownAsSealed } from './shown-as-sealed.ts';

const PRODUCTS = {
  r360: { ...renditionOutput({ shortSide: 360 }), file: 'r360.ts' },
  thumb: { ...thumbnailOutput(), file: 'thumb.jpg' },
  // Each variant keeps its original's timestamps and starts with an IDR frame, so a playlist can
  // pick A or B per segment and still play one seamless stream (see marked-variants.ts).
  mark_a: { ...renditionOutput({ shortSide: REPLAY_SHORT_SIDE, extraFilter: forensicMarkFilter('A') }), file: 'mark_a.ts' },
  mark_b: { ...renditionOutput({ shortSide: REPLAY_SHORT_SIDE, extraFilter: forensicMarkFilter('B') }), file: 'mark_b.ts' },
} satisfies Record<string, ProductOutput & { file: string }>;

export type SegmentProduct = keyof typeof PRODUCTS;

/** The products that are video: whole frames re-encoded, timed like their original. */
const TIMED = new Set<SegmentProduct>(['r360', 'mark_a', 'mark_b']);

export const segmentDerive: JobHandler<'segment.derive'> = async ({ recordingId, idx }, ctx, deps) => {
  const entry = await sealedSegment(recordingId, idx, deps);
  if (await isShownAsSealed(recordingId, deps)) return { made: [] };
  const made = await makeSegmentProducts(entry, ['thumb', 'mark_a', 'mark_b'], ctx, deps, (done, total) => ctx.progress(Math.round((100 * done) / total)));
  await ctx.progress(100);
  return { made };
};

/** The ledger entry a segment job is about; InvalidInput (no retry) when it is not a sealed segment. */
export async function sealedSegment(recordingId: string, idx: number, deps: WorkerDeps): Promise<LedgerEntry> {
  const entry = await deps.repos.recordings.entry(recordingId, idx);
  if (entry?.kind !== 'segment') throw new InvalidInput(`${recordingId} entry ${idx} is not a sealed segment`);
  return entry;
}

/** Makes the products of one segment that are not stored yet; returns the kinds it made. */
export async function makeSegmentProducts(
  entry: LedgerEntry,
  kinds: SegmentProduct[],
  ctx: JobContext,
  deps: WorkerDeps,
  progress: (done: number, total: number) => Promise<void> = async () => undefined,
): Promise<SegmentProduct[]> {
  const missing: SegmentProduct[] = [];
  for (const kind of kinds) if (!(await deps.derivatives.find(entry.recording_id, entry.idx, kind))) missing.push(kind);
  if (missing.length === 0) return missing;
  await withScratchDir(deps.workDir, async (dir) => {
    const original = await fetchOriginal(deps.store, entry, dir);
    let done = 1;
    await progress(done, missing.length + 1);
    await transcodeSegment(deps.ffmpegPath, missing, original, dir);
    for (const kind of missing) {
      await deps.derivatives.store({
        recordingId: entry.recording_id,
        idx: entry.idx,
        kind,
        bytes: await fs.readFile(path.join(dir, PRODUCTS[kind].file)),
        sourceSha256: entry.sha256!,
        // Frames pass through one for one: a rendition or a variant lasts as long as its original.
        durationMs: TIMED.has(kind) ? entry.duration_ms : undefined,
        jobId: ctx.jobId,
      });
      await progress(++done, missing.length + 1);
    }
  });
  return missing;
}

/** The ffmpeg command making `kinds` of one original segment, each into its file in the working folder. */
export function segmentProductsCommand(kinds: SegmentProduct[]): FfmpegArgs & { output: string } {
  return segmentProductsArgs(kinds.map((kind) => PRODUCTS[kind]));
}

/**
 * `kinds` of one original segment file, made into `dir` by one ffmpeg run (segmentProductsArgs: a
 * segment's thumbnail and marks share its decode and scaling): the step `npm run bench:transcode` times.
 */
export function transcodeSegment(ffmpegPath: string, kinds: SegmentProduct[], input: string, dir: string): Promise<void> {
  return runFfmpeg(ffmpegPath, { ...segmentProductsCommand(kinds), input, cwd: dir }).done;
}
