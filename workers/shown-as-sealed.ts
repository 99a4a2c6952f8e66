/**
 * A sound recording has no pictures to scale, thumbnail or mark, and a photo no stream: both are
 * shown as sealed (server/playback/marked-prefix.ts), so the workers make nothing from them.
 */
import { unmarkedReason } from '../server/playback/marked-prefix.ts';
import type { WorkerDeps } from './job-handler.ts';

export async function isShownAsSealed(recordingId: string, deps: WorkerDeps): Promise<boolean> {
  const recording = await deps.repos.recordings.get(recordingId);
  return unmarkedReason(recording.flags) !== null;
}
