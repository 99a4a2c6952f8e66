/**
 * The forensic mark that makes variant A differ from variant B: a smooth, low-amplitude luma
 * pattern (a few levels out of 255, spread over the whole frame), added for A and subtracted for
 * B. Smooth and spread so it survives re-encoding at a lower bitrate and downscaling, faint so a
 * viewer does not see it. Applied after scaling, so it fits any output size.
 *
 * The pattern is drawn once, on the first frame only, and blended into every frame (`blend`
 * repeats its second input's last frame): per-pixel expressions over every 720p frame ran at a
 * quarter of real time, the blend costs about as much as the scaling.
 */
export const MARK_AMPLITUDE = 2;

/** Periods of the pattern across and down the frame. */
export const MARK_PERIODS = { x: 4, y: 3 } as const;

/** The pattern at (u, v) ∈ [0,1)², between −1 and 1: what tracing correlates a leak against. */
export function markPattern(u: number, v: number): number {
  return Math.sin(2 * Math.PI * MARK_PERIODS.x * u) * Math.sin(2 * Math.PI * MARK_PERIODS.y * v);
}

/** The same pattern in geq's words (X, Y, W, H are geq's names). */
const GEQ_PATTERN = `sin(2*PI*${MARK_PERIODS.x}*X/W)*sin(2*PI*${MARK_PERIODS.y}*Y/H)`;

/**
 * A filter chain fragment, one input and one output. `grainmerge` adds the pattern frame minus
 * 128 to each plane; the pattern's chroma is 128, so only luma changes.
 */
export function forensicMarkFilter(variant: 'A' | 'B'): string {
  const op = variant === 'A' ? '+' : '-';
  return `split[frames][first];` + `[first]trim=end_frame=1,geq=lum='128${op}${MARK_AMPLITUDE}*${GEQ_PATTERN}':cb=128:cr=128[mark];` + `[frames][mark]blend=all_mode=grainmerge`;
}
