/**
 * A node that takes a device's lapsed lease continues the device's recording wherever it is (issue
 * 15: "the same recording continues"), not only when the node whose lease lapsed had it. Found as
 * a fixed camera's recording split in two at a failover (rtsp-pull-lease, under load): the camera
 * was handed over to a node killed before its first publish, so the recording was still the
 * handing node's, and the node taking the lapsed lease opened a second one. And a node still
 * holding the device's recording in its grace window, which another node continued meanwhile,
 * continues that node's chain instead of sealing on into a recovery recording. The other nodes
 * are written into the database as they would write it; this node is real, with a real camera
 * publishing over RTMP.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { publish, type Publisher } from '../helpers/publisher.ts';
import { preparedClip } from '../helpers/sealed-clip.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
const cameras: Publisher[] = [];
beforeAll(async () => {
  // A grace window longer than the test: the recording of the second case stays open here throughout.
  server = await startTestServer(await testEnv({ LIUHEN_GRACE_SECONDS: '120' }));
});
afterAll(async () => {
  for (const c of cameras) c.stop();
  await server?.stop();
});

const recordingsOf = async (deviceId: string) => (await server.core.repos.recordings.all()).filter((r) => r.device_id === deviceId);
const segmentsOf = async (deviceId: string) => (await recordingsOf(deviceId)).reduce((n, r) => n + r.segment_count, 0);
const gapCausesOf = async (recordingId: string) => (await server.core.repos.recordings.entries(recordingId)).filter((e) => e.kind === 'gap').map((e) => e.cause);

/** `node` took the device's lease a minute ago and died: the lease has lapsed. */
async function lapsedLeaseOf(deviceId: string, node: string): Promise<void> {
  const then = new Date(Date.now() - 60_000).toISOString();
  expect(await server.core.repos.deviceLeases.acquire(deviceId, node, then, then)).toMatchObject({ ok: true });
}

async function addCamera(badge: string): Promise<{ device: Device; credential: string }> {
  return server.core.devices.add({ kind: 'bodycam', officerBadge: badge }, 'test');
}

function startCamera(device: Device, credential: string, seconds: number): Publisher {
  const camera = publish(server.publishUrl(device.id, credential), seconds);
  cameras.push(camera);
  return camera;
}

describe('a device whose lease lapsed under a node', () => {
  it('is continued in its one recording when that node never took the recording over', async () => {
    const { device, credential } = await addCamera('LT1');
    const sealer = server.core.sealer;
    // node-x recorded it and handed it over to node-k, which took the lease and died before its first publish.
    const t0 = new Date(Date.now() - 120_000);
    const r = await sealer.openRecording(device, t0, { node_id: 'node-x' });
    const bytes = fs.readFileSync(preparedClip({ seconds: 4, segmentSeconds: 2 }).files[0]!);
    await sealer.sealSegment(r.id, { bytes, startAt: t0, durationMs: 2000, source: `${r.id}/1/seg_000000.ts` }, 'node-x');
    await server.core.repos.recordings.markInterrupted(r.id, new Date(t0.getTime() + 2000).toISOString(), 'node_handover', 'node-x');
    await lapsedLeaseOf(device.id, 'node-k');

    startCamera(device, credential, 60);
    await waitFor('two segments sealed here', async () => (await segmentsOf(device.id)) >= 3, 30_000);
    expect((await recordingsOf(device.id)).map((x) => x.id)).toEqual([r.id]);
    // The pause is node-k's failure: the hand-over alone would have ended at its first publish.
    expect(await gapCausesOf(r.id)).toEqual(['node_failover']);
    expect(await server.core.repos.recordings.get(r.id)).toMatchObject({ node_id: server.node.id });
    expect(await server.core.recordingVerification.check(r.id)).toMatchObject({ ok: true });
  });

  it('is continued in the chain the other node went on with when this node still held the recording in its grace window', async () => {
    const { device, credential } = await addCamera('LT2');
    const first = startCamera(device, credential, 60);
    const r = await waitFor('two segments sealed', async () => await server.core.repos.recordings.openRecordingOf(device.id).then((x) => (x && x.segment_count >= 2 ? x : undefined)), 30_000);
    first.stop();
    await first.exited;
    await waitFor('the publish to end here', async () => (await server.core.repos.recordings.get(r.id)).interrupted_at !== null, 30_000);
    await server.live.settled(device.id);
    // node-k took the device and its recording over, recorded it, and died.
    expect(await server.core.sealer.takeOver(r.id, server.node.id, 'node-k', 'node_failover', new Date())).toBeDefined();
    await lapsedLeaseOf(device.id, 'node-k');

    const before = await segmentsOf(device.id);
    startCamera(device, credential, 60);
    await waitFor('two more segments sealed', async () => (await segmentsOf(device.id)) >= before + 2, 30_000);
    // One recording: nothing went into a recovery recording, as it would from a node the chain moved away from.
    expect((await recordingsOf(device.id)).map((x) => x.id)).toEqual([r.id]);
    expect(await gapCausesOf(r.id)).toEqual(['node_failover', 'node_failover']);
    expect(await server.core.repos.recordings.get(r.id)).toMatchObject({ node_id: server.node.id });
    expect(await server.core.recordingVerification.check(r.id)).toMatchObject({ ok: true });
  });
});
