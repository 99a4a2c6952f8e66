/**
 * The scrub sprite of a closed recording: its segments' thumbnails tiled into one JPEG, and the
 * WebVTT track saying which tile shows which moment. Both name the recording's final link, so
 * they stand for exactly the chain that was closed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInput } from '../server/errors.ts';
import { runFfmpeg } from '../server/media/ffmpeg-runner.ts';
import { SPRITE_INPUT_PATTERN, spriteArgs, spriteInputName } from '../server/media/rendition-args.ts';
import { type SpriteLayout, spriteLayout, thumbnailsVtt } from '../server/media/thumbnail-track.ts';
import type { LedgerEntry, Recording } from '../server/db/schema.ts';
import type { JobContext, WorkerDeps } from './job-handler.ts';
import { makeSegmentProducts } from './segment-derive.ts';
import { withScratchDir } from './scratch-dir.ts';

export async function deriveSpriteSheet(recordingId: string, ctx: JobContext, deps: WorkerDeps): Promise<void> {
  const recordings = deps.repos.recordings;
  const recording = await recordings.get(recordingId);
  // A live recording's sheet would be outgrown by its next segment.
  if (recording.state !== 'closed') throw new InvalidInput(`recording ${recordingId} is not closed`);
  const segments = await recordings.segments(recordingId);
  const layout = spriteLayout(segments.map((e) => ({ idx: e.idx, durationMs: e.duration_ms })));
  // Only gaps: no picture to show, and the routes keep answering not_ready.
  if (layout.tiles.length === 0) return;
  const durationMs = layout.tiles.at(-1)!.endMs;
  if (!(await deps.derivatives.find(recordingId, 0, 'sprite'))) await makeSprite(recording, segments, layout, durationMs, ctx, deps);
  await deps.derivatives.store({
    recordingId,
    idx: 0,
    kind: 'sprite_vtt',
    bytes: Buffer.from(thumbnailsVtt(layout)),
    sourceSha256: recording.head_link,
    durationMs,
    jobId: ctx.jobId,
  });
  await ctx.progress(100);
}

async function makeSprite(recording: Recording, segments: LedgerEntry[], layout: SpriteLayout, durationMs: number, ctx: JobContext, deps: WorkerDeps): Promise<void> {
  const byIdx = new Map(segments.map((e) => [e.idx, e]));
  await withScratchDir(deps.workDir, async (dir) => {
    for (const [n, tile] of layout.tiles.entries()) {
      await makeSegmentProducts(byIdx.get(tile.idx)!, ['thumb'], ctx, deps);
      const thumb = (await deps.derivatives.find(recording.id, tile.idx, 'thumb'))!;
      await fs.writeFile(path.join(dir, spriteInputName(n)), await deps.store.get(thumb.object_key));
      // Missing thumbnails are the slow part (an original fetched and decoded each); tiling is quick.
      await ctx.progress(Math.round((90 * (n + 1)) / layout.tiles.length));
    }
    const sheet = path.join(dir, 'sprite.jpg');
    await runFfmpeg(deps.ffmpegPath, { ...spriteArgs(layout), input: path.join(dir, SPRITE_INPUT_PATTERN), output: sheet }).done;
    await deps.derivatives.store({ recordingId: recording.id, idx: 0, kind: 'sprite', bytes: await fs.readFile(sheet), sourceSha256: recording.head_link, durationMs, jobId: ctx.jobId });
  });
}
