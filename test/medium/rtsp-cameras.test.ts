/**
 * Hall cameras (001 §5, 004 §16): liuhen pulls a real RTSP camera (GStreamer's RTSP server on
 * loopback) and records it continuously through the same sealing path as a body camera. An
 * outage is a gap with a cause; long recordings roll over into a new recording that continues the
 * chain; wrong camera credentials are a device error, never a crash loop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { dropTriggers } from '../helpers/append-only.ts';
import { runCli } from '../helpers/cli.ts';
import { entriesOf, recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { type RtspCamera, startRtspCamera } from '../helpers/rtsp-camera.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const recordedMs = async (server: RunningServer, deviceId: string) => (await recordingsOf(server.core.db, deviceId)).reduce((ms, r) => ms + r.duration_ms, 0);

// The two cameras are recorded side by side (each has a server of its own); the tests of each run in order.
describe.concurrent('a fixed camera pulled over RTSP', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  let camera: RtspCamera;

  beforeAll(async () => {
    camera = await startRtspCamera({ user: 'hall', password: 'Door-7-secret' });
    env = await testEnv({ LIUHEN_GRACE_SECONDS: '30' });
    server = await startTestServer(env);
  });
  afterAll(async () => {
    await server?.stop();
    await camera?.stop();
  });

  it.sequential('is registered from the command line without its password ever being printed', async () => {
    const added = await runCli(['device', 'add', '--kind', 'fixed', '--name', '受理大厅 1号', '--rtsp', camera.urlWithCredentials()], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout + added.stderr).not.toContain('Door-7-secret');
    const listed = await runCli(['devices', '--json'], env);
    expect(listed.stdout).not.toContain('Door-7-secret');
    const [device] = JSON.parse(listed.stdout) as { id: string; kind: string; rtspUrl: string }[];
    expect(device).toMatchObject({ kind: 'fixed', rtspUrl: camera.url });
    const row = await server.core.db.selectFrom('devices').selectAll().where('id', '=', device!.id).executeTakeFirstOrThrow();
    expect(row.rtsp_secret).toBeTruthy();
    expect(row.rtsp_secret).not.toContain('Door-7-secret');
  });

  it.sequential('records 20 s that verify, and an outage of the camera becomes one gap with its cause', async () => {
    const [device] = await server.core.devices.list();
    await waitFor('20 s of the hall camera sealed', async () => (await recordedMs(server, device!.id)) >= 20_000, 60_000);
    const [recording] = await recordingsOf(server.core.db, device!.id);
    const report = await server.core.recordingVerification.check(recording!.id);
    expect(report.problems).toEqual([]);
    expect(report.segments).toBeGreaterThanOrEqual(9);

    await camera.stop();
    await sleep(5000);
    await camera.restart();
    const gap = await waitFor(
      'a gap, then the camera recorded again',
      async () => {
        const entries = await entriesOf(server.core.db, recording!.id);
        const at = entries.findIndex((e) => e.kind === 'gap');
        return at >= 0 && entries.slice(at + 1).filter((e) => e.kind === 'segment').length >= 2 ? entries[at] : undefined;
      },
      60_000,
    );
    const timeline = (await entriesOf(server.core.db, recording!.id)).map((e) => `${e.idx} ${e.kind} ${e.start_at} ${e.duration_ms} ${e.cause ?? ''}`);
    expect(['network', 'device_fault'], timeline.join('\n')).toContain(gap.cause);
    expect(gap.duration_ms, timeline.join('\n')).toBeGreaterThanOrEqual(4000);
    const recordings = await recordingsOf(server.core.db, device!.id);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]!.gap_count).toBe(1);
    const again = await runCli(['verify', recording!.id], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it.sequential('with wrong credentials is a device error, audited once, not a crash loop', async () => {
    const { device } = await server.core.devices.add({ kind: 'fixed', name: 'wrong password', rtspUrl: camera.url, rtspUser: 'hall', rtspPassword: 'not-it' }, 'test');
    const row = await waitFor(
      'the device error',
      async () => {
        const d = await server.core.devices.get(device.id);
        return d.error ? d : undefined;
      },
      20_000,
    );
    expect(row.error).toBe('rtsp_auth_failed');
    await sleep(4000);
    expect(await recordingsOf(server.core.db, device.id)).toEqual([]);
    const events = await server.core.db.selectFrom('audit_events').selectAll().where('subject', '=', device.id).where('action', '=', 'device.error').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).not.toContain('not-it');
    const health = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe.concurrent('a continuous recording that rolls over', () => {
  let server: RunningServer;
  let camera: RtspCamera;

  beforeAll(async () => {
    camera = await startRtspCamera();
    server = await startTestServer(await testEnv({ LIUHEN_ROLLOVER_SECONDS: '6', LIUHEN_GRACE_SECONDS: '2' }));
  });
  afterAll(async () => {
    await server?.stop();
    await camera?.stop();
  });

  it('twice becomes three recordings that verify as one chain, with no gap at the seams', async () => {
    const { device } = await server.core.devices.add({ kind: 'fixed', name: '受理大厅 2号', rtspUrl: camera.url }, 'test');
    await waitFor(
      'a third recording with media',
      async () => {
        const rs = await recordingsOf(server.core.db, device.id);
        return rs.length === 3 && rs[2]!.segment_count >= 1;
      },
      60_000,
    );
    await server.core.devices.revoke(device.id, 'test');
    const recordings = await waitForClosed(server.core.db, device.id, 3, 30_000);

    let previous: Recording | undefined;
    for (const r of recordings) {
      const report = await server.core.recordingVerification.check(r.id);
      expect(report.problems, r.id).toEqual([]);
      expect(report.manifestChecked).toBe(true);
      const entries = await entriesOf(server.core.db, r.id);
      expect(entries.filter((e) => e.kind === 'gap')).toEqual([]);
      if (previous) {
        // The header names the previous recording's last link, and the media runs on without a hole.
        expect(r.chain_from_recording).toBe(previous.id);
        expect(r.header_line.trim().split(' ')[5]).toBe(previous.head_link);
        const before = await entriesOf(server.core.db, previous.id);
        const end = Date.parse(before.at(-1)!.start_at) + before.at(-1)!.duration_ms;
        expect(Math.abs(Date.parse(entries[0]!.start_at) - end)).toBeLessThanOrEqual(2);
        expect(r.chain_segments_before).toBe(previous.chain_segments_before + previous.segment_count);
      }
      previous = r;
    }

    // A rewritten last link of the first recording breaks the second one's origin.
    // (The database refuses that rewrite; whoever holds the SQLite file can drop the trigger first.)
    await dropTriggers(server.core.db, 'sqlite', 'recordings');
    await server.core.db
      .updateTable('recordings')
      .set({ head_link: 'f'.repeat(64) })
      .where('id', '=', recordings[0]!.id)
      .execute();
    const broken = await server.core.recordingVerification.check(recordings[1]!.id);
    expect(broken.problems.map((p) => p.what)).toContain('chain_origin');
  });
});
