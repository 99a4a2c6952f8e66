/**
 * The ffmpeg command of a redacted segment: one run, one decode, three outputs — `plain` at the
 * original's size, and the forensic `mark_a` and `mark_b` at the replay variants' size (short side
 * at most 720 lines, orientation kept), so a party's playback of a redaction carries the same A/B
 * mark as a replay. Pure: tested by table, without ffmpeg.
 *
 * Each output is renditionArgs' encode (original timestamps kept with `-copyts`, one GOP, no
 * B-frames: see rendition-args.ts), so `t` in these filters is the original's timestamp; the
 * caller maps the marks onto that clock (redaction-marks.ts marksForSegment). Changed from it:
 * - the filter: each blur rectangle is cut out, blurred to a smear (a box blur half the region's
 *   size, applied three times) and laid back over itself while its range lasts; `plain` is not
 *   scaled;
 * - audio is re-encoded as AAC: copied audio cannot be muted. Muting acts on whole audio frames,
 *   so the frames are first cut to 64 samples (under 2 ms) and a range is muted to that precision.
 */
import type { RedactedVariant } from '../db/schema.ts';
import { forensicMarkFilter } from './forensic-mark.ts';
import { type FfmpegArgs, REPLAY_SHORT_SIDE, renditionArgs } from './rendition-args.ts';
import type { BlurRect, SegmentRedaction, TimeRange } from '../redaction/redaction-marks.ts';

export const REDACTED_VARIANTS: readonly RedactedVariant[] = ['plain', 'mark_a', 'mark_b'];

/** Output files, named relative to ffmpeg's working folder. */
export const redactedFile = (variant: RedactedVariant) => `${variant}.ts`;

export interface RedactionSettings {
  redaction: SegmentRedaction;
}

const AUDIO_BITRATE = '128k';
const MUTE_FRAME_SAMPLES = 64;
const BLUR = "boxblur=luma_radius='min(cw,ch)/2':luma_power=3";

/** Plain decimals: no exponent, no spaces (the runner splits an option with one space in two). */
const num = (n: number) => String(Number(n.toFixed(6)));
const during = (r: TimeRange) => `enable='between(t,${num(r.from)},${num(r.to)})'`;

function blurFilter(b: BlurRect): string {
  const [x, y, w, h] = [num(b.x), num(b.y), num(b.w), num(b.h)];
  // Labels are taken again by the next rectangle only after this one has linked them.
  return `split[main][region];` + `[region]crop=w=iw*${w}:h=ih*${h}:x=iw*${x}:y=ih*${y},${BLUR}[blurred];` + `[main][blurred]overlay=x=main_w*${x}:y=main_h*${y}:${during(b)}`;
}

function audioFilter(mute: TimeRange[]): string | undefined {
  if (mute.length === 0) return undefined;
  return [`asetnsamples=n=${MUTE_FRAME_SAMPLES}:p=0`, ...mute.map((m) => `volume=0:${during(m)}`)].join(',');
}

/** `options` with each named option's value replaced; the rest of renditionArgs' encode stays as it is. */
function replaceOptions(options: string[], values: Record<string, string>): string[] {
  return options.map((o, i) => (i > 0 && options[i - 1]! in values ? values[options[i - 1]!]! : o));
}

/**
 * The whole command. The last output's file is `output`; the first two are written by options
 * before it (ffmpeg takes any number of outputs, each after its own options).
 */
export function redactionArgs(s: RedactionSettings): FfmpegArgs & { output: string } {
  const blur = s.redaction.blur.map(blurFilter);
  const audio = audioFilter(s.redaction.mute);
  const outputOf = (variant: RedactedVariant): string[] => {
    const mark = variant === 'plain' ? [] : [forensicMarkFilter(variant === 'mark_a' ? 'A' : 'B')];
    const encode = renditionArgs({ shortSide: REPLAY_SHORT_SIDE, extraFilter: [...blur, ...mark].join(',') || undefined }).outputOptions;
    // plain keeps the original's size: its filter is the blur alone.
    const replaced: Record<string, string> = variant === 'plain' ? { '-vf': blur.join(',') || 'null', '-c:a': 'aac' } : { '-c:a': 'aac' };
    return [...replaceOptions(encode, replaced), '-b:a', AUDIO_BITRATE, ...(audio ? ['-af', audio] : [])];
  };
  const [first, second, last] = REDACTED_VARIANTS as [RedactedVariant, RedactedVariant, RedactedVariant];
  return {
    inputOptions: renditionArgs({ shortSide: REPLAY_SHORT_SIDE }).inputOptions,
    outputOptions: [...outputOf(first), redactedFile(first), ...outputOf(second), redactedFile(second), ...outputOf(last)],
    output: redactedFile(last),
  };
}
