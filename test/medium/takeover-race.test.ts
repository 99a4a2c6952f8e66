/**
 * A takeover racing the old node's last seal (issue 15), on PostgreSQL. The old node (cut off, or
 * about to be killed) has put a segment in the store and not yet committed it to the ledger when
 * another node takes the recording over. The segment must not land in the chain the other node
 * continues, the takeover's gap starts where the old node's chain ended, and the object the old
 * node left behind is no foreign object once its bytes are sealed into a recovery recording.
 * Real sealers and store; the old node's put is held open between its write and its commit.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, openCore } from '../../server/core.ts';
import type { Device, Recording } from '../../server/db/schema.ts';
import { Sealer, TakenOver } from '../../server/ledger/sealer.ts';
import { deviceAsRecorded } from '../../server/ingest/spool-recovery.ts';
import type { EvidenceStore } from '../../server/storage/evidence-store.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { preparedClip } from '../helpers/sealed-clip.ts';
import { configFrom, testEnv } from '../helpers/server.ts';

const SEGMENT_MS = 2000;
let core: Core;
let dataDir: string;
beforeAll(async () => {
  const env = await testEnv({ LIUHEN_DATABASE_URL: await freshPostgresDatabase() });
  dataDir = env.LIUHEN_DATA_DIR!;
  core = await openCore(configFrom(env));
}, 60_000);
afterAll(async () => {
  await core?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const segment = (i: number, at: Date, source: string) => ({ bytes: fs.readFileSync(preparedClip({ seconds: 8, segmentSeconds: 2 }).files[i]!), startAt: at, durationMs: SEGMENT_MS, source });

/** The old node's sealer: its next put reaches the store, then waits for `release` before the sealer commits. */
function heldSealer(): { sealer: Sealer; written: Promise<void>; release: () => void } {
  let written!: () => void;
  let release!: () => void;
  const writtenP = new Promise<void>((r) => (written = r));
  const released = new Promise<void>((r) => (release = r));
  const store = Object.create(core.store) as EvidenceStore;
  store.putOnce = async (key, bytes, options) => {
    const info = await core.store.putOnce(key, bytes, options);
    written();
    await released;
    return info;
  };
  const sealer = new Sealer({ repos: core.repos, store, signingKey: core.signingKey, retentionDays: 1, clock: core.clock });
  return { sealer, written: writtenP, release };
}

describe('a takeover while the old node is sealing', () => {
  let device: Device;
  const t0 = new Date(Date.now() - 600_000);
  const at = (ms: number) => new Date(t0.getTime() + ms);

  beforeAll(async () => {
    ({ device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'TR1', unit: 'u1' }, 'test'));
  });

  async function recordingOfOld(): Promise<Recording> {
    const r = await core.sealer.openRecording(device, t0, { node_id: 'node-old' });
    await core.sealer.sealSegment(r.id, segment(0, t0, `${r.id}/1/seg_000000.ts`), 'node-old');
    return r;
  }

  it('keeps a segment committed after the move out of the chain', async () => {
    const r = await recordingOfOld();
    const old = heldSealer();
    const sealing = old.sealer.sealSegment(r.id, segment(1, at(SEGMENT_MS), `${r.id}/1/seg_000001.ts`), 'node-old');
    await old.written;
    expect(await core.repos.recordings.moveToNode(r.id, 'node-old', 'node-new')).toBe(true);
    old.release();
    await expect(sealing).rejects.toBeInstanceOf(TakenOver);
    expect(await core.repos.recordings.get(r.id)).toMatchObject({ entry_count: 1, segment_count: 1, node_id: 'node-new' });
  });

  it('seals the gap with the move, from where the old chain ends; the segment put meanwhile, recovered, is no foreign object', async () => {
    const r = await recordingOfOld();
    const old = heldSealer();
    const late = segment(1, at(SEGMENT_MS), `${r.id}/1/seg_000001.ts`);
    const sealing = old.sealer.sealSegment(r.id, late, 'node-old');
    await old.written;
    const gap = await core.sealer.takeOver(r.id, 'node-old', 'node-new', 'node_failover', at(20_000));
    expect(gap).toMatchObject({ idx: 2, kind: 'gap', cause: 'node_failover', start_at: at(SEGMENT_MS).toISOString(), duration_ms: 20_000 - SEGMENT_MS });
    // A second takeover from the node that no longer records it does nothing.
    expect(await core.sealer.takeOver(r.id, 'node-old', 'node-other', 'node_failover', at(21_000))).toBeUndefined();
    old.release();
    await expect(sealing).rejects.toBeInstanceOf(TakenOver);
    expect((await core.repos.recordings.entries(r.id)).map((e) => e.kind)).toEqual(['segment', 'gap']);
    expect(await core.repos.recordings.get(r.id)).toMatchObject({ node_id: 'node-new' });

    // The old node's put is in the store at entry 2, which the ledger holds as the gap: foreign, until...
    const before = await core.recordingVerification.check(r.id);
    expect(before.problems.map((p) => p.what)).toEqual(['foreign_object']);
    // ...the old node seals what it could not commit into a recovery recording linked to the gap.
    const recovery = await core.sealer.openRecording(deviceAsRecorded(r), late.startAt, { node_id: 'node-old', recovers_recording_id: r.id, recovers_gap_idx: gap!.idx });
    await core.sealer.sealSegment(recovery.id, late);
    await core.sealer.close(recovery.id);
    expect(await core.recordingVerification.check(r.id)).toMatchObject({ ok: true, recoveries: [{ recordingId: recovery.id, gapIdx: 2 }] });
    expect(await core.recordingVerification.check(recovery.id)).toMatchObject({ ok: true, recovers: { recordingId: r.id, gapIdx: 2 } });
  });
});
