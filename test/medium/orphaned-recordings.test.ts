/**
 * The leader closes the open recordings of a node gone for good (issue 15): silent for longer than
 * its lease, a camera's reconnect and the grace window, nobody will continue them. They are closed
 * where they end, signed and verifiable; a live node's open recording is left alone. Real sealer,
 * SQLite and the local WORM store.
 */
import fs from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrphanedRecordings } from '../../server/cluster/orphaned-recordings.ts';
import { type Core, openCore } from '../../server/core.ts';
import { preparedClip } from '../helpers/sealed-clip.ts';
import { configFrom, testEnv } from '../helpers/server.ts';

let env: Record<string, string>;
let core: Core;
beforeAll(async () => {
  env = await testEnv();
  core = await openCore(configFrom(env));
}, 60_000);
afterAll(async () => {
  await core?.close();
  if (env) fs.rmSync(env.LIUHEN_DATA_DIR!, { recursive: true, force: true });
});

describe('recordings of a node gone for good', () => {
  it('are closed by the leader, and a live node keeps its own', async () => {
    const now = core.clock.now().getTime();
    const node = (id: string, silentMs: number) =>
      core.repos.nodes.register({ id, host: 'h', pid: 1, roles: 'ingest', started_at: new Date(now - 600_000).toISOString(), heartbeat_at: new Date(now - silentMs).toISOString() });
    await node('node-gone', 60_000);
    await node('node-live', 1000);
    const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'OR1', unit: 'u1' }, 'test');
    const { device: other } = await core.devices.add({ kind: 'bodycam', officerBadge: 'OR2', unit: 'u1' }, 'test');
    const gone = await core.sealer.openRecording(device, new Date(now - 120_000), { node_id: 'node-gone' });
    const [file] = preparedClip({ seconds: 2 }).files;
    await core.sealer.sealSegment(gone.id, { bytes: fs.readFileSync(file!), startAt: new Date(now - 120_000), durationMs: 2000, source: `${gone.id}/1/seg_000000.ts` });
    const live = await core.sealer.openRecording(other, new Date(now - 120_000), { node_id: 'node-live' });

    const orphans = new OrphanedRecordings(core.repos.recordings, core.sealer, pino({ level: 'silent' }), core.clock, 'node-leader', 3);
    expect(await orphans.closeAll()).toBe(1);
    expect(await core.repos.recordings.get(gone.id)).toMatchObject({ state: 'closed', node_id: 'node-leader', segment_count: 1, ended_at: new Date(now - 118_000).toISOString() });
    expect(await core.recordingVerification.check(gone.id)).toMatchObject({ ok: true, manifestChecked: true });
    expect(await core.repos.recordings.get(live.id)).toMatchObject({ state: 'live', node_id: 'node-live' });
    // Once closed, nothing is left to do.
    expect(await orphans.closeAll()).toBe(0);
  });
});
