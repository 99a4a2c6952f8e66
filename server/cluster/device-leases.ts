/**
 * This node's leases on the devices it records (the `device_leases` table): taken when a device
 * starts publishing here, renewed together every beat, given up when its publish ends and at a
 * clean stop. A device whose lease another live node holds is refused here: two nodes recording one
 * device would write two chains of one camera. A killed node's leases lapse with its heartbeat.
 */
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.ts';
import { Beat } from './beat.ts';
import type { DeviceLeaseRepository } from '../db/device-lease-repository.ts';
import { DEFAULT_NODE_TIMINGS, type NodeTimings } from './node-presence.ts';

/** A claim's answer: `holder` when another live node records the device, else the device is this node's. */
export interface LeaseClaim {
  holder?: string;
  /** the dead node whose lapsed lease this claim took, and when it last renewed it */
  takenOver?: { node: string; renewedAt: string };
}

export class DeviceLeases {
  /** the session each held device publishes in */
  private readonly held = new Map<string, string>();
  /** one device's claims and releases, in the order asked: a release must not overtake the next claim */
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly beats: Beat;
  /** a failed renewal was logged; its end will be too */
  private failing = false;
  /** held devices the last renewal found no lease of, logged when it changes */
  private unrenewed = 0;

  constructor(
    private readonly leases: DeviceLeaseRepository,
    private readonly nodeId: string,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    private readonly timings: NodeTimings = DEFAULT_NODE_TIMINGS,
  ) {
    this.beats = new Beat(() => this.renew(), timings.beatMs);
  }

  /**
   * Takes the device for this node's publish session. Refused (`holder`) while another live node
   * holds it; `takenOver` names the node whose lease lapsed under the device (it died recording it:
   * this node continues its recording). A database that does not answer lets the publish through
   * (logged): refusing would stop the camera recording, and a second node recording the same
   * device costs a duplicate chain, not lost evidence.
   */
  claim(deviceId: string, sessionId: string): Promise<LeaseClaim> {
    return this.inOrder(deviceId, async () => {
      const now = this.clock.now().getTime();
      let takenOver: LeaseClaim['takenOver'];
      try {
        const r = await this.leases.acquire(deviceId, this.nodeId, new Date(now).toISOString(), new Date(now - this.timings.leaseMs).toISOString());
        if (!r.ok) return { holder: r.holder };
        takenOver = r.from;
      } catch (err) {
        this.log.warn({ err, device: deviceId }, 'device lease: could not be taken; the publish is accepted');
      }
      this.held.set(deviceId, sessionId);
      if (takenOver) this.log.info({ device: deviceId, from: takenOver.node, renewedAt: takenOver.renewedAt }, 'device lease taken over from a node that stopped renewing it');
      return { takenOver };
    });
  }

  /** Gives the device up when the session holding it ends; a later session's claim keeps it. */
  release(deviceId: string, sessionId: string): void {
    void this.inOrder(deviceId, async () => {
      if (this.held.get(deviceId) !== sessionId) return;
      this.held.delete(deviceId);
      await this.leases.release(deviceId, this.nodeId).catch((err) => this.log.warn({ err, device: deviceId }, 'device lease: could not be released; it lapses instead'));
    });
  }

  start(): void {
    this.beats.start();
  }

  async stop(): Promise<void> {
    await this.beats.stop();
    await Promise.all(this.tails.values());
    this.held.clear();
    await this.leases.releaseAll(this.nodeId).catch((err) => this.log.warn({ err }, 'device leases: could not be released at stop; they lapse instead'));
  }

  private inOrder<T>(deviceId: string, op: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(deviceId) ?? Promise.resolve()).then(op);
    const tail = next.then(
      () => {},
      () => {},
    );
    this.tails.set(deviceId, tail);
    void tail.then(() => {
      if (this.tails.get(deviceId) === tail) this.tails.delete(deviceId);
    });
    return next;
  }

  private async renew(): Promise<void> {
    const devices = [...this.held.keys()];
    try {
      const renewed = await this.leases.renew(this.nodeId, devices, this.clock.now().toISOString());
      // A claim let through without the database, or renewals that failed for longer than the
      // lease (another node may have taken the device since): this node records the device still.
      if (devices.length - renewed !== this.unrenewed && renewed < devices.length)
        this.log.warn({ held: devices.length, renewed }, 'device leases: some devices recorded here have no lease of this node');
      this.unrenewed = devices.length - renewed;
      if (this.failing) this.log.info('device leases: renewed again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err }, 'device leases: renewal failed; trying again at the next beat');
      this.failing = true;
    }
  }
}
