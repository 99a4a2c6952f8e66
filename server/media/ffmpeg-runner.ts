/**
 * Runs ffmpeg through fluent-ffmpeg and maps its failures to one typed error. Nothing else in
 * liuhen spawns ffmpeg.
 */
import os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { LiuhenError } from '../errors.ts';

export class FfmpegFailed extends LiuhenError {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super('ffmpeg_failed', message);
  }
}

export interface FfmpegSpec {
  input: string | Readable;
  inputFormat?: string;
  inputOptions: string[];
  outputOptions: string[];
  /** a path, or a stream ffmpeg's stdout is piped into (ended when ffmpeg exits) */
  output: string | Writable;
  cwd?: string;
  /** every line ffmpeg writes to stderr, as it comes (the error, when it fails, holds only the last 20) */
  onStderrLine?: (line: string) => void;
  /**
   * ffmpeg cutting a camera's live stream, whose segments wait to be sealed: it keeps the node's
   * priority. Every other ffmpeg (renditions, marks, thumbnails, exports, upload checks) runs
   * DERIVED_NICENESS lower, so on a busy node the cores go to sealing first and derived work,
   * which can wait, waits (issue 18: with workers in-process, transcodes pushed seal p99 to 12 s).
   */
  live?: boolean;
}

/** How much lower than the node derived ffmpeg work runs (nice(1) steps; 19 is the lowest). */
export const DERIVED_NICENESS = 10;

export interface FfmpegProcess {
  /** resolves with the pid once ffmpeg runs (fluent-ffmpeg first checks capabilities) */
  readonly started: Promise<number>;
  /** resolves on exit 0, rejects with FfmpegFailed otherwise */
  readonly done: Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export function runFfmpeg(ffmpegPath: string, spec: FfmpegSpec): FfmpegProcess {
  const command = ffmpeg({ source: spec.input as string, cwd: spec.cwd, stdoutLines: 20 }).setFfmpegPath(ffmpegPath);
  if (spec.inputFormat) command.inputFormat(spec.inputFormat);
  if (spec.onStderrLine) command.on('stderr', spec.onStderrLine);
  command
    .inputOptions(spec.inputOptions)
    .outputOptions(spec.outputOptions)
    .output(spec.output as string);
  let onStarted: (pid: number) => void = () => undefined;
  const started = new Promise<number>((resolve) => (onStarted = resolve));
  const done = new Promise<void>((resolve, reject) => {
    command.on('start', () => {
      const pid = (command as unknown as { ffmpegProc: { pid: number } }).ffmpegProc.pid;
      if (!spec.live) lowerPriority(pid);
      onStarted(pid);
    });
    command.on('end', () => resolve());
    command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => reject(new FfmpegFailed(`ffmpeg failed: ${err.message}`, stderr ?? '')));
  });
  command.run();
  return { started, done, kill: (signal = 'SIGTERM') => command.kill(signal) };
}

/** Niceness is relative to the node's own, so a node started under nice keeps its order. */
function lowerPriority(pid: number): void {
  try {
    os.setPriority(pid, Math.min(19, os.getPriority() + DERIVED_NICENESS));
  } catch {
    // ffmpeg exited at once (its error arrives through 'error'): there is no process to lower.
  }
}
