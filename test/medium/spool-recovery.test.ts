/**
 * A node's start after it was killed, once another node continued its recording (issue 15): the
 * segments its segmenter finished and nobody sealed go into a recovery recording linked to the
 * `node_failover` gap they fill, never into the original (its chain moved on past the gap). A part
 * in another node's spool is left alone. When nobody continued the recording (the leader closed it,
 * the node gone for good), the gap the recovery names is the one the leader sealed with the close:
 * every recovery links to a gap. Real sealer, SQLite, local WORM store, ffmpeg-made segments.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrphanedRecordings } from '../../server/cluster/orphaned-recordings.ts';
import type { Device, Recording } from '../../server/db/schema.ts';
import { preparedClip } from '../helpers/sealed-clip.ts';
import { configFrom, fileCore, nodeOnThisMachine } from '../helpers/server.ts';

const own = fileCore();

const SEGMENT_MS = 2000;
const clip = () => preparedClip({ seconds: 8, segmentSeconds: 2 });

/** A spool part as a killed node's segmenter left it: `count` finished segments and their list. */
async function spoolPart(recordingId: string, partNo: number, dir: string, wallStart: Date, count: number, nodeId: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const rows = clip()
    .files.slice(0, count)
    .map((f, i) => {
      fs.copyFileSync(f, path.join(dir, `seg_${String(i).padStart(6, '0')}.ts`));
      return `seg_${String(i).padStart(6, '0')}.ts,${i * 2}.000000,${(i + 1) * 2}.000000\n`;
    });
  fs.writeFileSync(path.join(dir, 'segments.csv'), rows.join(''));
  await own.core.repos.recordings.addSpoolPart({
    recording_id: recordingId,
    part_no: partNo,
    dir,
    wall_start: wallStart.toISOString(),
    ffmpeg_pid: null,
    state: 'open',
    sealing_into: null,
    host: os.hostname(),
    node_id: nodeId,
  });
}

const sealFromClip = (recordingId: string, i: number, at: Date, source: string) =>
  own.core.sealer.sealSegment(recordingId, { bytes: fs.readFileSync(clip().files[i]!), startAt: at, durationMs: SEGMENT_MS, source });

const spoolDir = () => configFrom(own.env).spoolDir;

/** node-back, the killed node started again on this machine, with this test's spool. */
const nodeBack = () => nodeOnThisMachine(own, 'node-back');

describe('a killed node recovering its spool after another node continued its recording', () => {
  let device: Device;
  let original: Recording;
  const t0 = new Date(Date.now() - 600_000);
  const at = (ms: number) => new Date(t0.getTime() + ms);

  beforeAll(async () => {
    ({ device } = await own.core.devices.add({ kind: 'bodycam', officerBadge: 'SR1', unit: 'u1' }, 'test'));
    // node-dead recorded four segments of part 1 and sealed two before it was killed.
    original = await own.core.sealer.openRecording(device, t0, { node_id: 'node-dead' });
    await spoolPart(original.id, 1, path.join(spoolDir(), original.id, '1'), t0, 4, 'node-dead');
    for (const i of [0, 1]) await sealFromClip(original.id, i, at(i * SEGMENT_MS), `${original.id}/1/seg_00000${i}.ts`);
    // node-alive took the device over: the pause is a gap, and the recording goes on there.
    await own.core.repos.recordings.moveToNode(original.id, 'node-dead', 'node-alive');
    await own.core.sealer.appendGap(original.id, 'node_failover', at(2 * SEGMENT_MS), at(20_000));
    await sealFromClip(original.id, 0, at(20_000), `${original.id}/2/seg_000000.ts`);
    // A part of node-alive's, in a spool of another node's on this machine.
    await spoolPart(original.id, 2, path.join(os.tmpdir(), `liuhen-other-spool-${process.pid}`, original.id, '2'), at(20_000), 1, 'node-alive');
  });

  it('seals what was left into a recovery recording linked to the failover gap, and leaves the original and the other spool alone', async () => {
    const before = await own.core.repos.recordings.get(original.id);
    await nodeBack().recover(new Map([[device.id, device]]), new Set(['node-alive']));

    // The original is untouched: node-alive records it.
    expect(await own.core.repos.recordings.get(original.id)).toMatchObject({ state: before.state, entry_count: 4, head_link: before.head_link, node_id: 'node-alive' });
    const recoveries = (await own.core.repos.recordings.all()).filter((r) => r.recovers_recording_id === original.id);
    expect(recoveries).toHaveLength(1);
    const recovery = recoveries[0]!;
    expect(recovery).toMatchObject({ state: 'closed', segment_count: 2, gap_count: 0, recovers_gap_idx: 3, device_id: device.id, officer_badge: 'SR1' });
    expect(recovery.header_line).toMatch(new RegExp(` recovers:${original.id}:3\\n$`));
    const recovered = await own.core.repos.recordings.entries(recovery.id);
    expect(recovered.map((e) => e.source)).toEqual([`${original.id}/1/seg_000002.ts`, `${original.id}/1/seg_000003.ts`]);
    expect(recovered.map((e) => e.start_at)).toEqual([at(2 * SEGMENT_MS).toISOString(), at(3 * SEGMENT_MS).toISOString()]);

    // verify names the link both ways.
    const ofOriginal = await own.core.recordingVerification.check(original.id);
    expect(ofOriginal).toMatchObject({ ok: true, recoveries: [{ recordingId: recovery.id, gapIdx: 3 }] });
    expect(await own.core.recordingVerification.check(recovery.id)).toMatchObject({ ok: true, recovers: { recordingId: original.id, gapIdx: 3 }, manifestChecked: true });

    // node-dead's part is done and its folder gone; node-alive's part is not this node's to read.
    const parts = await own.core.repos.recordings.openSpoolParts();
    expect(parts.map((p) => [p.part_no, p.node_id])).toEqual([[2, 'node-alive']]);
    expect(fs.existsSync(path.join(spoolDir(), original.id, '1'))).toBe(false);
  });
});

describe('a node gone for good returning after the leader closed its recording', () => {
  it('seals its spool into a recovery linked to the gap the leader sealed with the close', async () => {
    const now = own.core.clock.now().getTime();
    const t0 = new Date(now - 300_000);
    const at = (ms: number) => new Date(t0.getTime() + ms);
    // node-gone recorded four segments, sealed two, and was silent for two minutes before the leader's sweep.
    await own.core.repos.nodes.register({ id: 'node-gone', host: os.hostname(), pid: 1, roles: 'ingest', started_at: t0.toISOString(), heartbeat_at: at(8000).toISOString() });
    const { device } = await own.core.devices.add({ kind: 'bodycam', officerBadge: 'SR2', unit: 'u1' }, 'test');
    const original = await own.core.sealer.openRecording(device, t0, { node_id: 'node-gone' });
    await spoolPart(original.id, 1, path.join(spoolDir(), original.id, '1'), t0, 4, 'node-gone');
    for (const i of [0, 1]) await sealFromClip(original.id, i, at(i * SEGMENT_MS), `${original.id}/1/seg_00000${i}.ts`);
    expect(await new OrphanedRecordings(own.core.repos.recordings, own.core.sealer, pino({ level: 'silent' }), own.core.clock, 'node-leader', 3).closeAll()).toBe(1);

    await nodeBack().recover(new Map([[device.id, device]]), new Set(['node-alive']));

    const closed = await own.core.repos.recordings.get(original.id);
    expect(closed).toMatchObject({ state: 'closed', entry_count: 3, gap_count: 1 });
    const [recovery] = (await own.core.repos.recordings.all()).filter((r) => r.recovers_recording_id === original.id);
    expect(recovery).toMatchObject({ state: 'closed', segment_count: 2, recovers_gap_idx: 3 });
    expect(recovery!.header_line).toMatch(new RegExp(` recovers:${original.id}:3\\n$`));
    expect(await own.core.recordingVerification.check(original.id)).toMatchObject({ ok: true, recoveries: [{ recordingId: recovery!.id, gapIdx: 3 }] });
    expect(await own.core.recordingVerification.check(recovery!.id)).toMatchObject({ ok: true, recovers: { recordingId: original.id, gapIdx: 3 } });
  });
});
