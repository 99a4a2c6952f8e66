/**
 * segment.live: the 360p rendition the command wall plays, of a segment sealed while someone
 * watched its device live (server/playback/live-watch.ts). It is worth making only while the
 * segment can still be watched live: one that has slid out of the live window by the time a
 * worker takes it (workers behind, Redis away) is not made late; nor is one whose viewers have
 * all gone. Either way the job completes, saying in its result why nothing was made.
 */
import { LIVE_WINDOW_SEGMENTS } from '../server/playback/playlist.ts';
import type { JobHandler } from './job-handler.ts';
import { makeSegmentProducts, sealedSegment } from './segment-derive.ts';
import { isShownAsSealed } from './shown-as-sealed.ts';

export const segmentLive: JobHandler<'segment.live'> = async ({ recordingId, idx }, ctx, deps) => {
  const entry = await sealedSegment(recordingId, idx, deps);
  if (await isShownAsSealed(recordingId, deps)) return { made: [] };
  const now = deps.clock.now();
  // A live playlist lists the newest LIVE_WINDOW_SEGMENTS segments: one sealed longer ago than they last has left it.
  const liveWindowMs = LIVE_WINDOW_SEGMENTS * deps.segmentSeconds * 1000;
  if (now.getTime() - Date.parse(entry.sealed_at) > liveWindowMs) return { made: [], skipped: 'past_live_window', sealedAt: entry.sealed_at, liveWindowMs };
  const { device_id: deviceId } = await deps.repos.recordings.get(recordingId);
  if (!(await deps.repos.liveWatches.watchedAt(deviceId, now.toISOString()))) return { made: [], skipped: 'not_watched', deviceId };
  const made = await makeSegmentProducts(entry, ['r360'], ctx, deps);
  await ctx.progress(100);
  return { made };
};
