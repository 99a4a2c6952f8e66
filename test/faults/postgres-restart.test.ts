/**
 * The ledger's PostgreSQL (a private instance: its own data dir and port) goes down hard and
 * comes back while a camera publishes. Segments wait in the spool and are sealed in order once
 * it is back: no gap, nothing lost, verify passes, and the server never fell over.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { privatePostgres, type Restartable } from '../helpers/private-services.ts';
import { publish } from '../helpers/publisher.ts';
import { recordingsOf } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { expectWholeRecording } from './outage-checks.ts';

const OUTAGE_MS = 10_000;
/** Three segments, the outage, PostgreSQL's start and some: the camera publishes on past its return. */
const CAMERA_SECONDS = OUTAGE_MS / 1000 + 25;

let server: RunningServer | undefined;
let postgres: Restartable | undefined;
afterAll(async () => {
  await postgres?.start().catch(() => undefined);
  await server?.stop();
  await postgres?.stop();
});

describe('PostgreSQL restarts while a camera publishes', () => {
  it('loses no segment and the recording continues without a gap', async () => {
    const pgServer = await privatePostgres();
    postgres = pgServer;
    const env = await testEnv({ LIUHEN_DATABASE_URL: pgServer.url, LIUHEN_GRACE_SECONDS: '10' });
    server = await startTestServer(env);
    const { db, devices } = server.core;
    const { device, credential } = await devices.add({ kind: 'bodycam', officerBadge: 'PGRST' }, 'test');
    const segments = async () => (await recordingsOf(db, device.id))[0]?.segment_count ?? 0;
    const camera = publish(server.publishUrl(device.id, credential), CAMERA_SECONDS);
    await waitFor('three sealed segments', async () => (await segments()) >= 3, 60_000);

    await pgServer.stop();
    const until = Date.now() + OUTAGE_MS;
    while (Date.now() < until) {
      expect((await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2000));
    }
    await pgServer.start();

    expect(await camera.exited, camera.stderr()).toBe(0);
    await expectWholeRecording(db, device.id, CAMERA_SECONDS, env);
  });
});
