/**
 * Who may publish: only a registered, active device with its own credential. Everyone else is
 * refused by the RTMP server itself, records nothing, and leaves an audit event; junk on the RTMP
 * port leaves the server up.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { publish } from '../helpers/publisher.ts';
import { recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer(await testEnv({ LIUHEN_GRACE_SECONDS: '1' }));
});
afterAll(async () => server.stop());

/** Strangers' refusals are counted per address and window: one `ingest.refused` event with a sample. */
async function refusedEvents(deviceId: string) {
  await server.core.audit.flush();
  return (await server.core.audit.query({ action: 'ingest.refused' })).filter((e) => Object.keys(JSON.parse(e.detail).sample).some((k) => k.includes(`/${deviceId} `)));
}

async function expectRefused(url: string, deviceId: string, reason: string) {
  const camera = publish(url, 4);
  expect(await camera.exited).not.toBe(0);
  const events = await waitFor(`refusal audit for ${deviceId}`, async () => {
    const ev = await refusedEvents(deviceId);
    return ev.length > 0 ? ev : undefined;
  });
  // The caller chose the name: it is what was claimed, not who published.
  expect(events[0]!.actor).toBe('unknown');
  expect(JSON.parse(events[0]!.detail).sample).toHaveProperty(`401 publish live/${deviceId} ${reason}`);
  expect(events[0]!.address).toBe('127.0.0.1');
  expect(await recordingsOf(server.core.db, deviceId)).toEqual([]);
}

describe('publishing over RTMP', () => {
  it('refuses a wrong credential for a real device', async () => {
    const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'W1' }, 'test');
    await expectRefused(server.publishUrl(device.id, 'not-the-key'), device.id, 'bad_credential');
  });

  it('refuses a device liuhen does not know', async () => {
    await expectRefused(server.publishUrl('bc-nosuchdevice', 'whatever'), 'bc-nosuchdevice', 'unknown_device');
  });

  it('refuses a revoked device, and a revoked device that is publishing is cut off', async () => {
    const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'R1' }, 'test');
    const live = publish(server.publishUrl(device.id, credential), 30);
    await waitFor('the recording to have a sealed segment', async () => (await recordingsOf(server.core.db, device.id))[0]?.segment_count);
    await server.core.devices.revoke(device.id, 'test');
    expect(await live.exited).not.toBe(0);
    const [cutOff] = await waitForClosed(server.core.db, device.id);
    expect(cutOff!.segment_count).toBeGreaterThan(0);

    const again = publish(server.publishUrl(device.id, credential), 4);
    expect(await again.exited).not.toBe(0);
    const ev = await waitFor('revoked refusal', async () => (await refusedEvents(device.id)).find((e) => `401 publish live/${device.id} revoked` in JSON.parse(e.detail).sample));
    expect(ev.outcome).toBe('refused');
    expect(await recordingsOf(server.core.db, device.id)).toHaveLength(1);
  });

  it('survives junk on the RTMP port and still records a good camera afterwards', async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        const s = net.connect(server.rtmpPort, '127.0.0.1', () => s.end(randomBytes(8192)));
        // Read whatever the server answers, or the socket never sees the server's end and never closes.
        s.resume();
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    }
    const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'G1' }, 'test');
    const camera = publish(server.publishUrl(device.id, credential), 5);
    expect(await camera.exited).toBe(0);
    const [recording] = await waitForClosed(server.core.db, device.id);
    expect(recording!.segment_count).toBeGreaterThanOrEqual(2);
  });
});
