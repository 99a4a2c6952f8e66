/**
 * Runs ffmpeg through fluent-ffmpeg and maps its failures to one typed error. Nothing else in
 * liuhen spawns ffmpeg.
 */
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
}

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
    command.on('start', () => onStarted((command as unknown as { ffmpegProc: { pid: number } }).ffmpegProc.pid));
    command.on('end', () => resolve());
    command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => reject(new FfmpegFailed(`ffmpeg failed: ${err.message}`, stderr ?? '')));
  });
  command.run();
  return { started, done, kill: (signal = 'SIGTERM') => command.kill(signal) };
}
