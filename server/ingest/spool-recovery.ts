/**
 * What a killed node left in its spool once another node has continued the recording: segments
 * ffmpeg finished that nobody sealed cannot join the original chain (it has moved on past the
 * `node_failover` gap), so they are sealed into a recovery recording whose header names the
 * original and the gap its media fill. Nothing recorded is dropped, and the chain is not forked.
 */
import path from 'node:path';
import type { LedgerEntry, Recording, SpoolPart as SpoolPartRow } from '../db/schema.ts';
import type { RecoveryLink } from '../ledger/chain.ts';
import type { RecordedDevice } from '../ledger/sealer.ts';
import type { SpoolPart } from './spool-part.ts';

/** Where this node's segmenters write: a part elsewhere is another machine's (or node's) to read. */
export interface SpoolHome {
  host: string;
  spoolDir: string;
}

/** Whether the part was written on this machine into this node's spool (parts from before nodes count as this one's). */
export function onThisSpool(row: Pick<SpoolPartRow, 'host' | 'dir'>, home: SpoolHome): boolean {
  if (row.host === null) return true;
  const inside = path.relative(home.spoolDir, row.dir);
  return row.host === home.host && inside !== '' && !inside.startsWith('..') && !path.isAbsolute(inside);
}

/**
 * Whether the part's segments must go to a recovery recording: another node continued its
 * recording after this part's node died, or the recording was closed without them.
 */
export function recordingMovedOn(row: Pick<SpoolPartRow, 'node_id'>, target: Pick<Recording, 'node_id' | 'state'>): boolean {
  return row.node_id !== null && (target.node_id !== row.node_id || target.state === 'closed');
}

/** When the first segment of the part not sealed yet starts; undefined when every one is sealed. */
export async function firstUnsealed(part: SpoolPart, isSealed: (source: string) => Promise<boolean>): Promise<Date | undefined> {
  let first: number | undefined;
  for await (const seg of part.segments()) {
    first ??= seg.startSeconds;
    if (!(await isSealed(part.source(seg)))) return part.startAt(seg, first);
  }
  return undefined;
}

/**
 * The failover gap media recorded from `at` fill, of the recording's `node_failover` gaps: the
 * first that ends after it, else the last (media a cut-off node recorded past the takeover were
 * displaced by it). Every move of a recording away from its node seals one with the move
 * (Sealer.takeOver), so null is left only for recordings made before that.
 */
export function filledGap(recordingId: string, failoverGaps: LedgerEntry[], at: Date): RecoveryLink {
  const gap = failoverGaps.find((g) => Date.parse(g.start_at) + g.duration_ms > at.getTime()) ?? failoverGaps.at(-1);
  return { recordingId, gapIdx: gap?.idx ?? null };
}

/** The device a recovery recording is opened for: as the original was, not as the device is now. */
export function deviceAsRecorded(original: Recording): RecordedDevice {
  return { id: original.device_id, officer_badge: original.officer_badge, unit: original.unit, clock_drift_ms: original.clock_drift_ms };
}
