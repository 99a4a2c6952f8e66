/**
 * A node cut off from the database for longer than its lease while another node took its camera
 * and recording over (issue 15): once it can write again, what it still seals goes into a recovery
 * recording, never into the chain the other node continues, and it neither marks that recording
 * interrupted nor closes it when its own publish ends. The takeover is written into the database
 * as the other node would write it; the node is real, with a real camera publishing over RTMP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { publish, type Publisher } from '../helpers/publisher.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let camera: Publisher | undefined;
beforeAll(async () => {
  server = await startTestServer(await testEnv({ LIUHEN_GRACE_SECONDS: '1' }));
});
afterAll(async () => {
  camera?.stop();
  await server?.stop();
});

describe('a recording another node took over while this one was cut off', () => {
  it('gets no more entries and no close from this node; the rest goes to a recovery recording', async () => {
    const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'TO1' }, 'test');
    camera = publish(server.publishUrl(device.id, credential), 60);
    const recordings = server.core.repos.recordings;
    const original = await waitFor('two segments sealed', async () => await recordings.openRecordingOf(device.id).then((r) => (r && r.segment_count >= 2 ? r : undefined)), 30_000);

    // The other node's takeover: the recording is its own now, its failover gap sealed with the move.
    const gap = (await server.core.sealer.takeOver(original.id, original.node_id, 'node-other', 'node_failover', new Date()))!;
    expect(gap).toMatchObject({ kind: 'gap', cause: 'node_failover' });

    const recovery = await waitFor('a recovery recording with two segments', async () => (await recordings.all()).find((r) => r.recovers_recording_id === original.id && r.segment_count >= 2), 30_000);
    camera.stop();
    await waitFor('the recovery recording to close', async () => (await recordings.get(recovery.id)).state === 'closed', 30_000);

    // Nothing joined the original after the gap, not even the segment in flight at the takeover.
    const after = await recordings.get(original.id);
    expect(after.entry_count).toBe(gap.idx);
    expect(after).toMatchObject({ state: 'live', node_id: 'node-other', interrupted_at: null });
    expect(await recordings.get(recovery.id)).toMatchObject({ recovers_recording_id: original.id, device_id: device.id, node_id: original.node_id });
    expect(recovery.recovers_gap_idx).toBe(gap.idx);
    expect(await server.core.recordingVerification.check(recovery.id)).toMatchObject({ ok: true, manifestChecked: true });
    expect(await server.core.recordingVerification.check(original.id)).toMatchObject({ ok: true, recoveries: [{ recordingId: recovery.id }] });
  });
});
