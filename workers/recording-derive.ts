/**
 * A closed recording's replay products: the forensically marked A/B variant of every segment that
 * segment.derive has not marked already (a failed job, a recording sealed before segments were
 * marked as sealed), then the scrub sprite sheet. Both steps are idempotent, so a retry resumes
 * where a run stopped, and a variant made twice at once is stored once (derivatives.ts).
 */
import type { JobContext, JobHandler } from './job-handler.ts';
import { deriveMarkedVariants } from './marked-variants.ts';
import { deriveSpriteSheet } from './sprite-sheet.ts';
import { isShownAsSealed } from './shown-as-sealed.ts';

/** Reports a step's 0–100 as its share of the whole job's progress. */
function share(ctx: JobContext, from: number, to: number): JobContext {
  return { ...ctx, progress: (p) => ctx.progress(Math.round(from + ((to - from) * p) / 100)) };
}

export const recordingDerive: JobHandler<'recording.derive'> = async ({ recordingId }, ctx, deps) => {
  if (await isShownAsSealed(recordingId, deps)) return ctx.progress(100);
  await deriveMarkedVariants(recordingId, share(ctx, 0, 85), deps);
  await deriveSpriteSheet(recordingId, share(ctx, 85, 100), deps);
  await ctx.progress(100);
};
