/**
 * A full decode of an upload, every frame of every stream, to find damage a remux cannot see:
 * `-c copy` moves packets without looking inside them, so a recording with flipped bytes in its
 * media data remuxes cleanly. Pure: the args, and how many errors a line of ffmpeg's says.
 */
import type { FfmpegArgs } from './rendition-args.ts';
import { mediaStreamMaps } from './segmenter-args.ts';

export function decodeCheckArgs(audioOnly: boolean): FfmpegArgs {
  return {
    // No -xerror: the check counts every error instead of stopping at the first.
    inputOptions: ['-hide_banner', '-nostdin', '-loglevel', 'error'],
    outputOptions: [...mediaStreamMaps(audioOnly), '-f', 'null'],
  };
}

/** Where the decode's output goes: the null muxer writes nothing. */
export const DECODE_CHECK_OUTPUT = '-';

/** ffmpeg folds a run of one message into "Last message repeated N times": that is N errors more. */
const REPEATED = /^\s*Last message repeated (\d+) times?\s*$/;

/** How many errors one line of ffmpeg's stderr at `-loglevel error` reports. */
export function decodeErrorsIn(stderrLine: string): number {
  if (!stderrLine.trim()) return 0;
  const repeated = REPEATED.exec(stderrLine);
  return repeated ? Number(repeated[1]) : 1;
}
