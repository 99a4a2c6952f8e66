/**
 * segment.derive: a sealed segment's 360p rendition (the wall's tiles) and its thumbnail (the
 * scrub sprite's tile). The original is read from the store and checked against its ledger hash
 * before anything is made from it: a derivative names that hash, so it must come from those bytes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LedgerEntry } from '../server/db/schema.ts';
import { InvalidInput } from '../server/errors.ts';
import { runFfmpeg } from '../server/media/ffmpeg-runner.ts';
import { type FfmpegArgs, renditionArgs, thumbnailArgs } from '../server/media/rendition-args.ts';
import { findDerivative, storeDerivative } from './derivatives.ts';
import { fetchOriginal } from './original-segment.ts';
import type { JobContext, JobHandler, WorkerDeps } from './job-handler.ts';
import { withScratchDir } from './scratch-dir.ts';

const PRODUCTS = {
  r360: { args: renditionArgs({ height: 360 }), file: 'r360.ts' },
  thumb: { args: thumbnailArgs(), file: 'thumb.jpg' },
} satisfies Record<string, { args: FfmpegArgs; file: string }>;

export type SegmentProduct = keyof typeof PRODUCTS;

export const segmentDerive: JobHandler<'segment.derive'> = async ({ recordingId, idx }, ctx, deps) => {
  const entry = await deps.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).where('idx', '=', idx).executeTakeFirst();
  if (entry?.kind !== 'segment') throw new InvalidInput(`${recordingId} entry ${idx} is not a sealed segment`);
  const made = await makeSegmentProducts(entry, ['r360', 'thumb'], ctx, deps, (done, total) => ctx.progress(Math.round((100 * done) / total)));
  await ctx.progress(100);
  return { made };
};

/** Makes the products of one segment that are not stored yet; returns the kinds it made. */
export async function makeSegmentProducts(
  entry: LedgerEntry,
  kinds: SegmentProduct[],
  ctx: JobContext,
  deps: WorkerDeps,
  progress: (done: number, total: number) => Promise<void> = async () => undefined,
): Promise<SegmentProduct[]> {
  const missing: SegmentProduct[] = [];
  for (const kind of kinds) if (!(await findDerivative(deps, entry.recording_id, entry.idx, kind))) missing.push(kind);
  if (missing.length === 0) return missing;
  await withScratchDir(deps.workDir, async (dir) => {
    const original = await fetchOriginal(deps, entry, dir);
    await progress(1, missing.length + 1);
    for (const [n, kind] of missing.entries()) {
      const output = path.join(dir, PRODUCTS[kind].file);
      await transcodeSegment(deps.ffmpegPath, kind, original, output);
      await storeDerivative(deps, {
        recordingId: entry.recording_id, idx: entry.idx, kind, bytes: await fs.readFile(output), sourceSha256: entry.sha256!,
        // Frames pass through one for one: a rendition lasts as long as its original.
        durationMs: kind === 'r360' ? entry.duration_ms : undefined, jobId: ctx.jobId,
      });
      await progress(n + 2, missing.length + 1);
    }
  });
  return missing;
}

/** One product from an original segment file: the step `npm run bench:transcode` times. */
export function transcodeSegment(ffmpegPath: string, kind: SegmentProduct, input: string, output: string): Promise<void> {
  return runFfmpeg(ffmpegPath, { ...PRODUCTS[kind].args, input, output }).done;
}

