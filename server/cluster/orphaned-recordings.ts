/**
 * A leader duty: the open recordings of a node that died (or stopped) and did not come back. Its
 * camera, reconnecting soon after the lease lapsed, would have continued them on another node;
 * past that and the grace window nothing will, so they are closed (final checkpoint, signed
 * manifest) after a `node_failover` gap from the last segment the dead node sealed to the end of
 * its recording (its device's disconnect, else its last heartbeat). What it had spooled there
 * becomes a recovery recording, linked to that gap, if it returns (server/ingest/spool-recovery.ts).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { Sealer } from '../ledger/sealer.ts';
import { Beat } from './beat.ts';
import type { RunningDuty } from './leadership.ts';
import { DEFAULT_NODE_TIMINGS, NODE_LEASE_MS, type NodeTimings } from './node-presence.ts';

/**
 * The time a camera is given, once its node's lease has lapsed, to reconnect to another node, which
 * continues its recording; past it and the grace window the recording is closed. As long as the
 * lease, and never less than the default lease: a camera's reconnect is its own retry plus the new
 * node taking its publish (7-10 s under load in test/cluster/failover and rtsp-pull-lease), which
 * a shorter LIUHEN_NODE_LEASE_SECONDS makes no quicker.
 */
function reconnectAllowanceMs(leaseMs: number): number {
  return Math.max(leaseMs, NODE_LEASE_MS);
}

export class OrphanedRecordings {
  constructor(
    private readonly recordings: RecordingRepository,
    private readonly sealer: Sealer,
    private readonly log: Logger,
    private readonly clock: Clock,
    /** this node: it takes each recording before closing it, so a node taking the camera over at the same moment cannot */
    private readonly nodeId: string,
    private readonly graceSeconds: number,
    private readonly timings: NodeTimings = DEFAULT_NODE_TIMINGS,
  ) {}

  /**
   * Closes the recordings of nodes silent for longer than their lease, the reconnect allowance and
   * the grace window: a camera back by then has been taken over with its recording.
   */
  async closeAll(): Promise<number> {
    const { leaseMs } = this.timings;
    const silentSince = new Date(this.clock.now().getTime() - leaseMs - reconnectAllowanceMs(leaseMs) - this.graceSeconds * 1000).toISOString();
    let closed = 0;
    for (const r of await this.recordings.openOfSilentNodes(silentSince)) {
      const end = new Date(r.interrupted_at ?? r.heartbeat_at);
      if (!(await this.sealer.takeOver(r.id, r.node_id, this.nodeId, 'node_failover', end))) continue;
      await this.sealer.close(r.id);
      closed++;
      this.log.warn({ recording: r.id, device: r.device_id, node: r.node_id }, 'recording of a node gone for good closed');
    }
    return closed;
  }

  /** The leader's sweep, every beat. */
  start(): RunningDuty {
    const beat = new Beat(
      () =>
        this.closeAll().then(
          () => undefined,
          (err) => this.log.error({ err }, 'closing recordings of gone nodes failed; trying again'),
        ),
      this.timings.beatMs,
    );
    beat.start();
    return { stop: () => beat.stop() };
  }
}
