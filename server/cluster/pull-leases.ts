/**
 * Which fixed cameras this node pulls (issue 15): a camera is pulled by the one node holding its
 * device's lease (`device_leases`, the rows RTMP publishes take), so two nodes never write two
 * chains of one camera. Every beat the node renews the leases of the cameras it pulls, lets go of
 * any another node has taken, and takes free or lapsed ones: at once those it is the preferred node
 * of among the live ingest nodes (server/cluster/camera-spread.ts), the others once they are still
 * free a beat later (their preferred node is starting, or has no ingest running). So cameras spread
 * over the nodes that start together, and a killed node's cameras are pulled again within the lease
 * time and a beat. A node that joins later gets its share by hand-over once it has been live for a
 * lease (so a node that starts and dies at once moves nothing): the holder stops pulling each of
 * its cameras, seals what it recorded, and lets the lease go naming itself, and the joining node
 * continues the recording after a gap whose cause says it was a hand-over (`node_handover`). Left
 * on the first node, a city's cameras would all be pulled by whichever node started first, and
 * every node after it would add nothing until that one died.
 * A database that does not answer stops no running pull and starts none: a node cannot see then
 * whether another pulls the camera, and every node guessing "no" would pull it once each.
 */
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.ts';
import type { DeviceLeaseRepository, LeaseTaken } from '../db/device-lease-repository.ts';
import type { NodeRepository } from '../db/node-repository.ts';
import { Beat } from './beat.ts';
import { preferredNode } from './camera-spread.ts';
import { DEFAULT_NODE_TIMINGS, type NodeTimings } from './node-presence.ts';

export interface PullLeaseRepositories {
  leases: Pick<DeviceLeaseRepository, 'acquire' | 'renew' | 'release' | 'handOver' | 'leasesOf'>;
  nodes: Pick<NodeRepository, 'liveSince'>;
}

export class PullLeases {
  private readonly held = new Set<string>();
  /** cameras no longer held for pulling, whose lease is kept until their pull here has ended and been sealed: then handedOver */
  private readonly leaving = new Set<string>();
  /** cameras handed over, and when: not taken back while the node they went to starts pulling them */
  private readonly given = new Map<string, number>();
  /** cameras taken from a node that died pulling them, until their first publish here continues its recording */
  private readonly takenOver = new Map<string, NonNullable<LeaseTaken['from']>>();
  private wanted = new Set<string>();
  /** cameras free at the last round whose preferred node is another: this node takes them if they still are */
  private waited = new Set<string>();
  private readonly beats: Beat;
  private running?: Promise<void>;
  /** a change came in while a round ran: one more follows */
  private again = false;
  private started = false;
  private stopped = false;
  /** a failed round was logged; its end will be too */
  private failing = false;
  private changed: (held: ReadonlySet<string>) => void = () => {};

  constructor(
    private readonly repos: PullLeaseRepositories,
    private readonly nodeId: string,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    private readonly timings: NodeTimings = DEFAULT_NODE_TIMINGS,
  ) {
    this.beats = new Beat(() => this.kick(), timings.beatMs);
  }

  /** Called with the cameras held whenever they change. */
  onChange(changed: (held: ReadonlySet<string>) => void): void {
    this.changed = changed;
  }

  holds(deviceId: string): boolean {
    return this.held.has(deviceId);
  }

  /** Whether the camera is being handed over: its pull is to stop, and handedOver called once its recording has settled. */
  isLeaving(deviceId: string): boolean {
    return this.leaving.has(deviceId);
  }

  /** The camera's pull here has stopped and what it recorded is sealed: the node it belongs to may take it, continuing the recording. */
  async handedOver(deviceId: string): Promise<void> {
    if (!this.leaving.delete(deviceId)) return;
    this.given.set(deviceId, this.clock.now().getTime());
    // Not handed over, it lapses in a lease: the other node then takes it all the same, only later.
    await this.repos.leases.handOver(deviceId, this.nodeId).catch((err) => this.log.warn({ err, device: deviceId }, 'camera lease: could not be handed over; it lapses instead'));
  }

  /** The node whose lapsed lease this node took the camera from, once: its first publish here continues that node's recording. */
  takeOverOf(deviceId: string): LeaseTaken['from'] {
    const from = this.takenOver.get(deviceId);
    this.takenOver.delete(deviceId);
    return from;
  }

  /** The cameras to be pulled by some node; a change is acted on at once, not at the next beat. */
  want(deviceIds: Iterable<string>): void {
    const next = new Set(deviceIds);
    const differs = next.size !== this.wanted.size || [...next].some((id) => !this.wanted.has(id));
    this.wanted = next;
    if (differs && this.started) void this.kick();
  }

  start(): void {
    this.started = true;
    this.beats.start();
    void this.kick();
  }

  /** Stops taking cameras and gives up those held: the caller has stopped pulling them. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.beats.stop();
    await this.running;
    for (const deviceId of [...this.held, ...this.leaving])
      await this.repos.leases.release(deviceId, this.nodeId).catch((err) => this.log.warn({ err, device: deviceId }, 'camera lease: could not be released at stop; it lapses instead'));
    this.held.clear();
    this.leaving.clear();
  }

  private kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.round();
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const before = [...this.held];
    try {
      await this.step();
      if (this.failing) this.log.info('camera leases: the database answers again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err }, 'camera leases: the database did not answer; pulls go on, none is taken until it does');
      this.failing = true;
    }
    if (before.length !== this.held.size || before.some((id) => !this.held.has(id))) this.changed(this.held);
  }

  private async step(): Promise<void> {
    const { leases, nodes } = this.repos;
    const nowMs = this.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    const liveSince = new Date(nowMs - this.timings.leaseMs).toISOString();
    for (const deviceId of [...this.held, ...this.leaving]) {
      if (this.wanted.has(deviceId)) continue;
      await leases.release(deviceId, this.nodeId);
      this.held.delete(deviceId);
      this.leaving.delete(deviceId);
    }
    await leases.renew(this.nodeId, [...this.held, ...this.leaving], now);
    const rows = new Map((await leases.leasesOf([...this.wanted])).map((r) => [r.device_id, r]));
    const free: string[] = [];
    for (const deviceId of this.wanted) {
      const row = rows.get(deviceId);
      if (!row || row.renewed_at < liveSince) free.push(deviceId);
      else if (row.node_id !== this.nodeId) this.lost(deviceId, row.node_id);
    }
    for (const [deviceId, at] of this.given) if (at < nowMs - this.timings.leaseMs) this.given.delete(deviceId);
    const waited = new Set<string>();
    if (free.length > 0 || this.held.size > 0) {
      const live = (await nodes.liveSince(liveSince)).filter((n) => n.roles.split(',').includes('ingest'));
      const ingestNodes = live.map((n) => n.id);
      this.handOverShares(live.filter((n) => n.started_at <= liveSince).map((n) => n.id));
      for (const deviceId of free) {
        if (this.given.has(deviceId)) continue;
        // The node whose lease lapsed is gone even while its heartbeat is a little younger.
        const lapsedHolder = rows.get(deviceId)?.node_id;
        const candidates = [this.nodeId, ...ingestNodes.filter((n) => n !== this.nodeId && n !== lapsedHolder)];
        if (!this.held.has(deviceId) && !this.waited.has(deviceId) && preferredNode(deviceId, candidates) !== this.nodeId) {
          waited.add(deviceId);
          continue;
        }
        const taken = await leases.acquire(deviceId, this.nodeId, now, liveSince);
        if (!taken.ok) {
          this.lost(deviceId, taken.holder);
          continue;
        }
        this.held.add(deviceId);
        if (taken.from) this.takenOver.set(deviceId, taken.from);
      }
    }
    this.waited = waited;
  }

  /**
   * Lets go of the cameras held here that belong to another node live for at least a lease (one
   * that joined): their pulls stop, and handedOver passes each on once its recording has settled.
   */
  private handOverShares(settledNodes: string[]): void {
    const candidates = [this.nodeId, ...settledNodes.filter((n) => n !== this.nodeId)];
    for (const deviceId of this.held) {
      const owner = preferredNode(deviceId, candidates);
      if (owner === this.nodeId) continue;
      this.held.delete(deviceId);
      this.takenOver.delete(deviceId);
      this.leaving.add(deviceId);
      this.log.info({ device: deviceId, to: owner }, 'camera lease: handing the camera over to the node it belongs to');
    }
  }

  private lost(deviceId: string, holder: string): void {
    this.takenOver.delete(deviceId);
    if (this.held.delete(deviceId)) this.log.warn({ device: deviceId, holder }, 'camera lease: another node holds it now (this node could not renew it in time); this node stops pulling it');
  }
}
