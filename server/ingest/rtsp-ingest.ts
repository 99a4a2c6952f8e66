/**
 * Keeps one puller running for every active fixed camera that has an RTSP address and whose lease
 * this node holds, following the device registry (001 §5, 004 §16: the hall records acceptance
 * continuously) and the leases (server/cluster/pull-leases.ts: one node pulls each). A camera's standing
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
import type { PullLeases } from '../cluster/pull-leases.ts';

export interface RtspIngestDeps {
  repos: Repositories;
  clock: Clock;
  audit: AuditLog;
  ffmpegPath: string;
  /** the key fixed cameras' credentials are sealed with */
  secretsKey: Buffer;
  log: Logger;
  recordings: Pick<CameraPullerHooks, 'publish' | 'ended'> & { settled(deviceId: string): Promise<void> };
  leases: Pick<PullLeases, 'onChange' | 'holds' | 'isLeaving' | 'handedOver' | 'takeOverOf' | 'want' | 'start' | 'stop'>;
}

export class RtspIngest {
  private readonly pullers = new Map<string, CameraPuller>();
  private readonly errors = new Map<string, CameraError | null>();
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly recordings: RecordingRepository;
  private devices: Device[] = [];

  constructor(private readonly deps: RtspIngestDeps) {
    this.recordings = deps.repos.recordings;
    deps.leases.onChange(() => this.sync(this.devices));
  }

  start(): void {
    this.deps.leases.start();
  }

  /** Starts and stops pullers to match the registry and the leases; called on every registry refresh. */
  sync(devices: Device[]): void {
    this.devices = devices;
    this.syncing = this.syncing.then(() => this.apply(devices)).catch((e) => this.deps.log.error({ err: e }, 'camera sync failed'));
  }

  /** Stops every pull, then gives up their leases: another node may start at once, never overlapping. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.syncing;
    await Promise.all([...this.pullers.values()].map((p) => p.stop('server_restart')));
    this.pullers.clear();
    await this.deps.leases.stop();
  }

  private async apply(devices: Device[]): Promise<void> {
    if (this.stopped) return;
    const cameras = devices.filter((d) => d.kind === 'fixed' && d.state === 'active' && d.rtsp_url);
    this.deps.leases.want(cameras.map((d) => d.id));
    const registered = new Map(cameras.map((d) => [d.id, d]));
    for (const [id, puller] of this.pullers) {
      const now = registered.get(id);
      const unchanged = now !== undefined && now.rtsp_url === puller.device.rtsp_url && now.rtsp_secret === puller.device.rtsp_secret;
      if (unchanged && this.deps.leases.holds(id)) continue;
      this.pullers.delete(id);
      // Unchanged but no longer leased here: handed over to the node it belongs to, or taken by
      // another while this one could not renew its lease. Another node records the camera on.
      await puller.stop(!unchanged ? 'device_disconnect' : this.deps.leases.isLeaving(id) ? 'node_handover' : 'node_failover');
    }
    // What this node recorded of a camera it hands over is sealed before the next node continues the recording.
    for (const camera of cameras) {
      if (!this.deps.leases.isLeaving(camera.id)) continue;
      await this.deps.recordings.settled(camera.id);
      await this.deps.leases.handedOver(camera.id);
    }
    const wanted = cameras.filter((d) => this.deps.leases.holds(d.id)).map((d) => [d.id, d] as const);
    for (const [id, device] of wanted) {
      if (this.pullers.has(id)) continue;
      const credentials = device.rtsp_secret ? openText(this.deps.secretsKey, device.rtsp_secret) : null;
      const puller = new CameraPuller(
        device,
        { url: device.rtsp_url!, credentials },
        this.deps.ffmpegPath,
        {
          ...this.deps.recordings,
          // Taken from a node that died pulling it: the first publish continues that node's recording.
          publish: (p) => this.deps.recordings.publish({ ...p, takenOver: this.deps.leases.takeOverOf(p.device.id) }),
          status: (deviceId, error, detail) => void this.status(deviceId, error, detail),
        },
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
