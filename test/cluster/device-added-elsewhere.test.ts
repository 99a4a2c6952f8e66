/**
 * A camera added on one node and switched on at once, its publish reaching another node (as a
 * balancer may send it) before that node has reread the devices: the node reads the registry again
 * for the device it does not know and records it, rather than refusing a camera for coming early.
 * The adding node is a core of its own over the same PostgreSQL database (as `liuhen device add`
 * is); the publishing node is a real server whose periodic reread of the devices is set far beyond
 * the test, so only the reread on demand can find the device; the camera is a real ffmpeg over RTMP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, openCore } from '../../server/core.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { publish, type Publisher } from '../helpers/publisher.ts';
import { configFrom, startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let addingNode: Core;
const cameras: Publisher[] = [];
beforeAll(async () => {
  const env = await testEnv({ LIUHEN_DATABASE_URL: await freshPostgresDatabase() });
  server = await startTestServer(env, undefined, { gateRefreshMs: 3_600_000 });
  addingNode = await openCore(configFrom(env));
});
afterAll(async () => {
  for (const c of cameras) c.stop();
  await addingNode?.close();
  await server?.stop();
});

describe('a camera added on another node', () => {
  it('publishes here at once', async () => {
    const { device, credential } = await addingNode.devices.add({ kind: 'bodycam', officerBadge: 'AE1' }, 'test');
    const camera = publish(server.publishUrl(device.id, credential), 60);
    cameras.push(camera);
    const recording = await waitFor(
      'a segment of the camera sealed here',
      async () => {
        const open = await server.core.repos.recordings.openRecordingOf(device.id);
        return open && open.segment_count >= 1 ? open : undefined;
      },
      30_000,
    );
    expect(recording.node_id).toBe(server.node.id);
  });
});
