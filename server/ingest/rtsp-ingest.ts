/**
 * Keeps one puller running for every active fixed camera that has an RTSP address, following the
 * device registry (001 §5, 004 §16: the hall records acceptance continuously). A camera's standing
 * problem (wrong credentials, unreachable) is kept on the device and audited when it changes, not
 * on every retry.
 */
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import { openText } from '../crypto/sealed-text.ts';
import type { Repositories } from '../db/repositories.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { Device } from '../db/schema.ts';
import type { CameraError } from '../media/rtsp-pull-args.ts';
import { CameraPuller, type CameraPullerHooks } from './camera-puller.ts';
import type { Clock } from '../clock.ts';

export interface RtspIngestDeps {
  repos: Repositories;
  clock: Clock;
  audit: AuditLog;
  ffmpegPath: string;
  /** the key fixed cameras' credentials are sealed with */
  secretsKey: Buffer;
  log: Logger;
  recordings: Pick<CameraPullerHooks, 'publish' | 'ended'>;
}

export class RtspIngest {
  private readonly pullers = new Map<string, CameraPuller>();
  private readonly errors = new Map<string, CameraError | null>();
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly recordings: RecordingRepository;

  constructor(private readonly deps: RtspIngestDeps) {
    this.recordings = deps.repos.recordings;
  }

  /** Starts and stops pullers to match the registry; called on every registry refresh. */
  sync(devices: Device[]): void {
    this.syncing = this.syncing.then(() => this.apply(devices)).catch((e) => this.deps.log.error({ err: e }, 'camera sync failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.syncing;
    await Promise.all([...this.pullers.values()].map((p) => p.stop('server_restart')));
    this.pullers.clear();
  }

  private async apply(devices: Device[]): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map(devices.filter((d) => d.kind === 'fixed' && d.state === 'active' && d.rtsp_url).map((d) => [d.id, d]));
    for (const [id, puller] of this.pullers) {
      const now = wanted.get(id);
      if (now && now.rtsp_url === puller.device.rtsp_url && now.rtsp_secret === puller.device.rtsp_secret) continue;
      this.pullers.delete(id);
      await puller.stop('device_disconnect');
    }
    for (const [id, device] of wanted) {
      if (this.pullers.has(id)) continue;
      const credentials = device.rtsp_secret ? openText(this.deps.secretsKey, device.rtsp_secret) : null;
      const puller = new CameraPuller(
        device,
        { url: device.rtsp_url!, credentials },
        this.deps.ffmpegPath,
        { ...this.deps.recordings, status: (deviceId, error, detail) => void this.status(deviceId, error, detail) },
        this.deps.log,
      );
      this.pullers.set(id, puller);
      puller.start();
    }
  }

  private async status(deviceId: string, error: CameraError | null, detail: string | null): Promise<void> {
    if (this.errors.has(deviceId) && this.errors.get(deviceId) === error) return;
    this.errors.set(deviceId, error);
    const at = this.deps.clock.now().toISOString();
    try {
      await this.recordings.recordDeviceStatus(deviceId, { error, error_at: error ? at : null, ...(error ? {} : { last_seen_at: at }) });
      await this.deps.audit.record({ actor: `device:${deviceId}`, action: error ? 'device.error' : 'device.recovered', subject: deviceId, outcome: error ? 'error' : 'ok', detail: { error, detail } });
    } catch (e) {
      this.deps.log.error({ err: e, device: deviceId }, 'camera status not stored');
    }
  }
}
