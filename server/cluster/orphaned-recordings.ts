/**
 * A leader duty: the open recordings of a node that died (or stopped) and did not come back. Its
 * camera, reconnecting soon after the lease lapsed, would have continued them on another node;
 * past that and the grace window nothing will, so they are closed (final checkpoint, signed manifest) where they
 * end: the last segment the dead node sealed. What it had spooled becomes a recovery recording if
 * it returns (server/ingest/spool-recovery.ts).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { Sealer } from '../ledger/sealer.ts';
import { Beat } from './beat.ts';
import type { RunningDuty } from './leadership.ts';
import { NODE_BEAT_MS, NODE_LEASE_MS } from './node-presence.ts';

export interface OrphanedRecordingsDeps {
  recordings: RecordingRepository;
  sealer: Sealer;
  clock: Clock;
  log: Logger;
  /** this node: it takes each recording before closing it, so a node taking the camera over at the same moment cannot */
  nodeId: string;
  graceSeconds: number;
}

/**
 * Closes the recordings of nodes silent for longer than their lease, a camera's reconnect (as long
 * again) and the grace window: a camera back by then has been taken over with its recording.
 */
export async function closeOrphanedRecordings(d: OrphanedRecordingsDeps): Promise<number> {
  const silentSince = new Date(d.clock.now().getTime() - 2 * NODE_LEASE_MS - d.graceSeconds * 1000).toISOString();
  let closed = 0;
  for (const r of await d.recordings.openOfSilentNodes(silentSince)) {
    if (!(await d.recordings.moveToNode(r.id, r.node_id, d.nodeId))) continue;
    await d.sealer.close(r.id);
    closed++;
    d.log.warn({ recording: r.id, device: r.device_id, node: r.node_id }, 'recording of a node gone for good closed');
  }
  return closed;
}

export function startOrphanedRecordingsSweep(d: OrphanedRecordingsDeps, everyMs = NODE_BEAT_MS): RunningDuty {
  const beat = new Beat(
    () =>
      closeOrphanedRecordings(d).then(
        () => undefined,
        (err) => d.log.error({ err }, 'closing recordings of gone nodes failed; trying again'),
      ),
    everyMs,
  );
  beat.start();
  return { stop: () => beat.stop() };
}
