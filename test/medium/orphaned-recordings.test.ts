/**
 * The leader closes the open recordings of a node gone for good (issue 15): silent for longer than
 * its lease, a camera's reconnect and the grace window, nobody will continue them. They are closed
 * after a node_failover gap up to the node's last heartbeat (what it spooled there and did not seal
 * is its recovery's to name), signed and verifiable; a live node's open recording is left alone.
 * Real sealer, SQLite and the local WORM store.
 */
import fs from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { OrphanedRecordings } from '../../server/cluster/orphaned-recordings.ts';
import { preparedClip } from '../helpers/sealed-clip.ts';
import { fileCore } from '../helpers/server.ts';

const own = fileCore();

describe('recordings of a node gone for good', () => {
  it('are closed by the leader, and a live node keeps its own', async () => {
    const now = own.core.clock.now().getTime();
    const node = (id: string, silentMs: number) =>
      own.core.repos.nodes.register({ id, host: 'h', pid: 1, roles: 'ingest', started_at: new Date(now - 600_000).toISOString(), heartbeat_at: new Date(now - silentMs).toISOString() });
    await node('node-gone', 60_000);
    await node('node-live', 1000);
    const { device } = await own.core.devices.add({ kind: 'bodycam', officerBadge: 'OR1', unit: 'u1' }, 'test');
    const { device: other } = await own.core.devices.add({ kind: 'bodycam', officerBadge: 'OR2', unit: 'u1' }, 'test');
    const gone = await own.core.sealer.openRecording(device, new Date(now - 120_000), { node_id: 'node-gone' });
    const [file] = preparedClip({ seconds: 2 }).files;
    await own.core.sealer.sealSegment(gone.id, { bytes: fs.readFileSync(file!), startAt: new Date(now - 120_000), durationMs: 2000, source: `${gone.id}/1/seg_000000.ts` });
    const live = await own.core.sealer.openRecording(other, new Date(now - 120_000), { node_id: 'node-live' });

    const orphans = new OrphanedRecordings(own.core.repos.recordings, own.core.sealer, pino({ level: 'silent' }), own.core.clock, 'node-leader', 3);
    expect(await orphans.closeAll()).toBe(1);
    expect(await own.core.repos.recordings.get(gone.id)).toMatchObject({ state: 'closed', node_id: 'node-leader', segment_count: 1, gap_count: 1, ended_at: new Date(now - 60_000).toISOString() });
    expect((await own.core.repos.recordings.entries(gone.id)).at(-1)).toMatchObject({ kind: 'gap', cause: 'node_failover', start_at: new Date(now - 118_000).toISOString(), duration_ms: 58_000 });
    expect(await own.core.recordingVerification.check(gone.id)).toMatchObject({ ok: true, manifestChecked: true });
    expect(await own.core.repos.recordings.get(live.id)).toMatchObject({ state: 'live', node_id: 'node-live' });
    // Once closed, nothing is left to do.
    expect(await orphans.closeAll()).toBe(0);
  });
});
