/**
 * Decides, synchronously, whether a publisher may record. node-media-server asks inside a
 * synchronous event, so the gate answers from an in-memory copy of the registry that is
 * refreshed every second (devices added or revoked by the CLI in another process show up
 * within that time).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Repositories } from '../db/repositories.ts';
import type { DeviceRepository } from '../db/device-repository.ts';
import type { Device } from '../db/schema.ts';
import type { DiskReserve } from '../storage/disk-reserve.ts';
import { credentialHash } from './device-registry.ts';

export type GateDecision = { ok: true; device: Device } | { ok: false; reason: 'unknown_device' | 'revoked' | 'bad_credential' | 'disk_reserve' };

export class PublishGate {
  private devices = new Map<string, Device>();
  private timer?: NodeJS.Timeout;
  private readonly revokedListeners: ((deviceId: string) => void)[] = [];
  private readonly refreshListeners: ((devices: Device[]) => void)[] = [];
  private readonly registry: DeviceRepository;

  constructor(
    repos: Repositories,
    /** below the reserve a device that is not already recording is refused (its recording would have no room) */
    private readonly disk?: Pick<DiskReserve, 'low'>,
    private readonly refreshMs = 1000,
  ) {
    this.registry = repos.devices;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  onRevoked(listener: (deviceId: string) => void): void {
    this.revokedListeners.push(listener);
  }

  /** Hears the whole registry after every refresh (the RTSP ingest follows it). */
  onRefresh(listener: (devices: Device[]) => void): void {
    this.refreshListeners.push(listener);
  }

  async refresh(): Promise<void> {
    const rows = await this.registry.list();
    const next = new Map(rows.map((d) => [d.id, d]));
    for (const [id, d] of next) {
      if (d.state === 'revoked' && this.devices.get(id)?.state === 'active') this.revokedListeners.forEach((l) => l(id));
    }
    this.devices = next;
    this.refreshListeners.forEach((l) => l(rows));
  }

  check(deviceId: string, credential: string | undefined): GateDecision {
    const device = this.devices.get(deviceId);
    if (!device) return { ok: false, reason: 'unknown_device' };
    if (device.state !== 'active') return { ok: false, reason: 'revoked' };
    const given = Buffer.from(credentialHash(credential ?? ''), 'hex');
    const want = Buffer.from(device.credential_hash, 'hex');
    if (!timingSafeEqual(given, want)) return { ok: false, reason: 'bad_credential' };
    return { ok: true, device };
  }

  /**
   * A publish: the device's credentials, and room to record. Below the disk reserve only a device
   * continuing an open recording (back inside its grace window) may go on; the reserve is theirs.
   */
  checkPublish(deviceId: string, credential: string | undefined, continuesOpenRecording: (deviceId: string) => boolean): GateDecision {
    const decision = this.check(deviceId, credential);
    if (decision.ok && this.disk?.low && !continuesOpenRecording(deviceId)) return { ok: false, reason: 'disk_reserve' };
    return decision;
  }
}
