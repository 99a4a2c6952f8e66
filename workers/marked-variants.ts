/**
 * The forensic A/B variants of a closed recording's segments (DASH-IF / ETSI TS 104 002 model):
 * each segment re-encoded twice, once with the mark added (A), once with it subtracted (B)
 * (server/media/forensic-mark.ts). Each variant keeps its original's timestamps and starts with
 * an IDR frame, so a playlist can pick A or B per segment and still play one seamless stream.
 * Originals are read, checked against the ledger, and never touched.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LedgerEntry } from '../server/db/schema.ts';
import { InvalidInput, RecordingNotFound } from '../server/errors.ts';
import { runFfmpeg } from '../server/media/ffmpeg-runner.ts';
import { forensicMarkFilter } from '../server/media/forensic-mark.ts';
import { renditionArgs, type RenditionSettings } from '../server/media/rendition-args.ts';
import { probeVideo } from '../server/media/probe.ts';
import { findDerivative, storeDerivative } from './derivatives.ts';
import { fetchOriginal } from './original-segment.ts';
import type { JobContext, WorkerDeps } from './job-handler.ts';
import { withScratchDir } from './scratch-dir.ts';

const VARIANTS = [
  { kind: 'mark_a', variant: 'A' },
  { kind: 'mark_b', variant: 'B' },
] as const;

/** 720p, or the 360p rendition for an original under 720 lines: never scaled up. */
export function variantHeight(sourceHeight: number): RenditionSettings['height'] {
  return sourceHeight >= 720 ? 720 : 360;
}

export async function deriveMarkedVariants(recordingId: string, ctx: JobContext, deps: WorkerDeps): Promise<void> {
  const recording = await deps.db.selectFrom('recordings').select('state').where('id', '=', recordingId).executeTakeFirst();
  if (!recording) throw new RecordingNotFound(recordingId);
  // Playback serves variants only when every segment has both: a live recording would never get there.
  if (recording.state !== 'closed') throw new InvalidInput(`recording ${recordingId} is not closed`);
  const segments = await deps.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).where('kind', '=', 'segment').orderBy('idx').execute();
  // One height for the whole recording, from the first original this run reads: every variant of
  // a playlist the same size, and one ffprobe per job rather than one per segment.
  let height: Promise<RenditionSettings['height']> | undefined;
  const heightOf = (original: string) => (height ??= probeVideo(deps.ffmpegPath, original).then((v) => variantHeight(v.height)));
  for (const [n, entry] of segments.entries()) {
    await markSegment(entry, heightOf, ctx, deps);
    await ctx.progress(Math.round((100 * (n + 1)) / segments.length));
  }
}

/** Both variants of one segment, unless a previous run stored them. */
async function markSegment(entry: LedgerEntry, heightOf: (original: string) => Promise<RenditionSettings['height']>, ctx: JobContext, deps: WorkerDeps): Promise<void> {
  const missing: (typeof VARIANTS)[number][] = [];
  for (const v of VARIANTS) if (!(await findDerivative(deps, entry.recording_id, entry.idx, v.kind))) missing.push(v);
  if (missing.length === 0) return;
  await withScratchDir(deps.workDir, async (dir) => {
    const original = await fetchOriginal(deps, entry, dir);
    const height = await heightOf(original);
    // Both encodes at once: at one segment's size, neither keeps two cores busy alone.
    await Promise.all(
      missing.map(({ kind, variant }) =>
        runFfmpeg(deps.ffmpegPath, { ...renditionArgs({ height, extraFilter: forensicMarkFilter(variant) }), input: original, output: path.join(dir, `${kind}.ts`) }).done,
      ),
    );
    for (const { kind } of missing) {
      await storeDerivative(deps, {
        recordingId: entry.recording_id, idx: entry.idx, kind, bytes: await fs.readFile(path.join(dir, `${kind}.ts`)), sourceSha256: entry.sha256!,
        // Frames pass through one for one: a variant lasts as long as its original.
        durationMs: entry.duration_ms, jobId: ctx.jobId,
      });
    }
  });
}
