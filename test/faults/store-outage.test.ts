/**
 * The S3 server (a RADOS Gateway of the test's own) stops for 30 s while a camera publishes. The
 * segments wait in the spool and are sealed, in order, when it returns: the recording has no gap,
 * nothing is lost, verify passes, and the wait shows in the backlog and seal-lag metrics.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { cephS3, s3StoreEnv } from '../helpers/ceph.ts';
import { privateRgw, type Restartable } from '../helpers/private-services.ts';
import { publish } from '../helpers/publisher.ts';
import { recordingsOf } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { expectWholeRecording } from './outage-checks.ts';

const OUTAGE_MS = 30_000;
/** The outage and 20 s: the camera publishes on past the store's return. */
const CAMERA_SECONDS = OUTAGE_MS / 1000 + 20;

let server: RunningServer | undefined;
let rgw: Restartable | undefined;
afterAll(async () => {
  await rgw?.start().catch(() => undefined);
  await server?.stop();
  await rgw?.stop();
});

const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('the evidence store stops for 30 s while a camera publishes', () => {
  it('loses no segment: they wait in the spool and are sealed in order when it returns', async () => {
    const gateway = await privateRgw('outage');
    rgw = gateway;
    const s3 = { ...(await cephS3()), endpoint: gateway.endpoint };
    const env = await testEnv(await s3StoreEnv(s3));
    server = await startTestServer(env);
    const { db, devices } = server.core;
    const { device, credential } = await devices.add({ kind: 'bodycam', officerBadge: 'S3OUT' }, 'test');
    const segments = async () => (await recordingsOf(db, device.id))[0]?.segment_count ?? 0;
    const camera = publish(server.publishUrl(device.id, credential), CAMERA_SECONDS);
    await waitFor('two sealed segments', async () => (await segments()) >= 2, 60_000);

    await gateway.stop();
    const sealedWhenStopped = await segments();
    let backlog = 0;
    const until = Date.now() + OUTAGE_MS;
    while (Date.now() < until) {
      const res = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
      expect(res.status).toBe(200);
      backlog = Math.max(backlog, gauge(await server.metrics.registry.metrics(), 'liuhen_seal_backlog_segments'));
      await new Promise((r) => setTimeout(r, 2000));
    }
    // Nothing can be sealed without the store (one put may have been under way at the stop).
    expect(await segments()).toBeLessThanOrEqual(sealedWhenStopped + 1);
    expect(backlog).toBeGreaterThanOrEqual(10);

    await gateway.start();
    expect(await camera.exited, camera.stderr()).toBe(0);
    await expectWholeRecording(db, device.id, CAMERA_SECONDS, env);
    const lag = /liuhen_seal_lag_seconds\{quantile="0.99"\} (\S+)/.exec(await server.metrics.registry.metrics());
    // The first segment held back waited about the whole outage.
    expect(Number(lag?.[1])).toBeGreaterThan(OUTAGE_MS / 2000);
  });
});
