/**
 * Decides, synchronously, whether a publisher may record. node-media-server asks inside a
 * synchronous event, so the gate answers from an in-memory copy of the registry that is
 * refreshed every second (devices added or revoked by the CLI in another process show up
 * within that time). A device it does not know may have been added on another node since:
 * its publish waits for a reread on demand (`reread`) rather than being refused.
 */
import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Repositories } from '../db/repositories.ts';
import type { DeviceRepository } from '../db/device-repository.ts';
import type { Device } from '../db/schema.ts';
import type { DiskReserve } from '../storage/disk-reserve.ts';
import { credentialHash } from './device-registry.ts';

/**
 * Rereads on demand start at most this often: junk device ids, however fast they come, cost the
 * database at most four reads of the registry a second besides the periodic one, and a camera
 * just added waits at most this long before its read starts.
 */
const REREAD_GAP_MS = 250;

export type GateDecision = { ok: true; device: Device } | { ok: false; reason: 'unknown_device' | 'revoked' | 'bad_credential' | 'disk_reserve' };

export class PublishGate {
  private devices = new Map<string, Device>();
  private timer?: NodeJS.Timeout;
  private readonly revokedListeners: ((deviceId: string) => void)[] = [];
  private readonly refreshListeners: ((devices: Device[]) => void)[] = [];
  private readonly registry: DeviceRepository;
  /** the reread on demand not started yet, which every publish of an unknown device asking meanwhile shares */
  private pendingReread?: Promise<void>;
  /** when the last reread on demand started (performance.now()) */
  private lastRereadAt = -Infinity;

  constructor(
    repos: Pick<Repositories, 'devices'>,
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

  /**
   * Reads the registry again for the publish of a device this gate does not know, added on another
   * node since the last read (a camera switched on as soon as it is added). The read starts after
   * the caller asked, so it finds any device added before that publish: a read already running may
   * have started too soon, and is not shared. Rate-limited: every caller until the next read starts
   * shares it, and it starts no sooner than REREAD_GAP_MS after the last one on demand.
   */
  reread(): Promise<void> {
    this.pendingReread ??= (async () => {
      await sleep(Math.max(0, this.lastRereadAt + REREAD_GAP_MS - performance.now()));
      this.pendingReread = undefined;
      this.lastRereadAt = performance.now();
      await this.refresh();
    })();
    return this.pendingReread;
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
