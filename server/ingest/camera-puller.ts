/**
 * Pulls one fixed camera for as long as it is registered: ffmpeg reads RTSP and writes MPEG-TS, and
 * each connected stretch is handed on as a publish, exactly like a body camera's. A failed or
 * dropped connection is retried with backoff — quickly for the network, slowly when a person has
 * to fix something (credentials, path), so a wrong password never becomes a crash loop.
 */
import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import type { Device, GapCause } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { FfmpegFailed, type FfmpegProcess, runFfmpeg } from '../media/ffmpeg-runner.ts';
import { type CameraError, classifyPullFailure, RTSP_PULL_FORMAT, rtspPullInputOptions, rtspPullOutputOptions } from '../media/rtsp-pull-args.ts';
import type { PublishStart } from './rtmp-ingest.ts';
import { joinRtspUrl, redactRtsp, type RtspAddress } from './rtsp-url.ts';

export interface CameraPullerHooks {
  publish(p: PublishStart): void;
  ended(deviceId: string, sessionId: string, cause: GapCause): void;
  /** the camera's standing problem, or null once it records again */
  status(deviceId: string, error: CameraError | null, detail: string | null): void;
}

export const BACKOFF = { firstMs: 1000, networkMaxMs: 30_000, personFirstMs: 10_000, personMaxMs: 300_000 };

interface Outcome {
  streamed: boolean;
  failure?: ReturnType<typeof classifyPullFailure>;
}

export class CameraPuller {
  private stopped = false;
  private current?: FfmpegProcess;
  private wake?: () => void;
  private loop?: Promise<void>;
  private delayMs = 0;
  /** cause given to the recording when liuhen itself ends the pull */
  private stopCause: GapCause = 'device_disconnect';

  constructor(
    readonly device: Device,
    readonly address: RtspAddress,
    private readonly ffmpegPath: string,
    private readonly hooks: CameraPullerHooks,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(cause: GapCause): Promise<void> {
    this.stopped = true;
    this.stopCause = cause;
    this.current?.kill('SIGTERM');
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const outcome = await this.session();
      if (this.stopped) return;
      this.delayMs = nextDelay(this.delayMs, outcome);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async session(): Promise<Outcome> {
    const sessionId = newId('rtsp');
    const media = new PassThrough({ highWaterMark: 1 << 20 });
    const proc = runFfmpeg(this.ffmpegPath, {
      input: joinRtspUrl(this.address),
      inputOptions: rtspPullInputOptions(),
      outputOptions: rtspPullOutputOptions(),
      output: media,
      live: true,
    });
    this.current = proc;
    if (this.stopped) proc.kill('SIGTERM');
    let streamed = false;
    // ffmpeg writes its output only once the camera answered and its streams are known: that is "connected".
    const connected = () => {
      // 'readable' also fires at the end of an empty stream (a refused connection): that is no publish.
      if (media.readableLength === 0) {
        if (!media.readableEnded) media.once('readable', connected);
        return;
      }
      if (this.stopped) return;
      streamed = true;
      this.hooks.status(this.device.id, null, null);
      this.hooks.publish({ device: this.device, sessionId, address: new URL(this.address.url).host, media, format: RTSP_PULL_FORMAT });
    };
    media.once('readable', connected);
    const stderr = await proc.done.then(
      () => null,
      (e: unknown) => (e instanceof FfmpegFailed ? e.stderr : String(e)),
    );
    this.current = undefined;
    if (!streamed) media.destroy();
    const failure = stderr === null ? undefined : classifyPullFailure(stderr);
    // ffmpeg names the URL, credentials included, in its errors.
    const detail = stderr === null ? null : redactRtsp(stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300), this.address);
    if (streamed) this.hooks.ended(this.device.id, sessionId, this.stopped ? this.stopCause : (failure?.cause ?? 'network'));
    if (failure && !this.stopped) {
      this.log.warn({ device: this.device.id, camera: this.address.url, error: failure.error, detail }, streamed ? 'camera connection lost' : 'camera cannot be recorded');
      if (!streamed) this.hooks.status(this.device.id, failure.error, detail);
    }
    return { streamed, failure };
  }
}

/** Backoff after a session: reset once the camera streamed, doubled while it does not. */
export function nextDelay(previousMs: number, o: Outcome): number {
  if (o.streamed) return BACKOFF.firstMs;
  if (o.failure?.needsPerson) return Math.min(BACKOFF.personMaxMs, Math.max(BACKOFF.personFirstMs, previousMs * 2));
  return Math.min(BACKOFF.networkMaxMs, Math.max(BACKOFF.firstMs, previousMs * 2));
}
