/**
 * The spine end to end: real ffmpeg publishes over RTMP to the real node-media-server inside
 * liuhen; segments are cut by real ffmpeg, sealed into a real store and database, and checked
 * by the real `liuhen verify` command.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { cephS3, s3StoreEnv } from '../helpers/ceph.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { publish } from '../helpers/publisher.ts';
import { entriesOf, startsWithKeyframe, waitForClosed } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const s3Env = async () => s3StoreEnv(await cephS3());

const setups = [
  { name: 'local WORM directory + SQLite', env: async () => ({}) },
  { name: 'S3 with Object Lock (Ceph RGW) + PostgreSQL', env: async () => ({ ...(await s3Env()), LIUHEN_DATABASE_URL: await freshPostgresDatabase() }) },
];

// The two setups publish side by side: each has a server and a camera of its own, and the 20 s are real time either way.
describe.concurrent.each(setups)('a body camera publishing 20 s — $name', ({ env: extraEnv }) => {
  let server: RunningServer | undefined;
  afterAll(async () => server?.stop());

  it('becomes one recording of ≥ 9 keyframe-aligned segments whose stored bytes match the ledger, and verify passes', async () => {
    const env = await testEnv(await extraEnv());
    server = await startTestServer(env);
    const { db, store, devices } = server.core;
    const { device, credential } = await devices.add({ kind: 'bodycam', officerBadge: 'A1001' }, 'test');

    const camera = publish(server.publishUrl(device.id, credential), 20);
    let cameraDone = false;
    void camera.exited.then(() => (cameraDone = true));
    // Evidence is sealed while the camera is still recording, not when it stops.
    await waitFor('three segments sealed while live', async () => {
      const r = await db.selectFrom('recordings').select('segment_count').where('device_id', '=', device.id).executeTakeFirst();
      return (r?.segment_count ?? 0) >= 3 || cameraDone;
    });
    expect(cameraDone).toBe(false);
    expect(await camera.exited, camera.stderr()).toBe(0);
    const [recording] = await waitForClosed(db, device.id);

    expect(recording!.segment_count).toBeGreaterThanOrEqual(9);
    expect(recording!.gap_count).toBe(0);
    // A bodycam that published was seen: `liuhen devices` and the devices page show when.
    const seen = await db.selectFrom('devices').select('last_seen_at').where('id', '=', device.id).executeTakeFirstOrThrow();
    expect(Date.parse(seen.last_seen_at!)).toBeGreaterThanOrEqual(Date.parse(recording!.started_at));
    expect(recording!.duration_ms).toBeGreaterThan(19_000);
    expect(recording!.duration_ms).toBeLessThan(21_500);
    const entries = await entriesOf(db, recording!.id);
    expect(entries.map((e) => e.idx)).toEqual(entries.map((_, i) => i + 1));
    for (const e of entries) {
      const bytes = await store.get(e.object_key!);
      expect(sha256Hex(bytes), `segment ${e.idx}`).toBe(e.sha256);
    }
    expect(startsWithKeyframe(await store.get(entries[0]!.object_key!))).toBe(true);
    expect(startsWithKeyframe(await store.get(entries[4]!.object_key!))).toBe(true);
    // Segment times are contiguous: each starts where the previous ended.
    for (let i = 1; i < entries.length; i++) {
      const prevEnd = Date.parse(entries[i - 1]!.start_at) + entries[i - 1]!.duration_ms;
      expect(Math.abs(Date.parse(entries[i]!.start_at) - prevEnd)).toBeLessThanOrEqual(1);
    }

    await server.stop();
    server = undefined;
    // Two independent reads of what the stopped server left: side by side.
    const [verified, listed] = await Promise.all([runCli(['verify', recording!.id], env), runCli(['recordings', '--json'], env)]);
    // Each exits 0 with nothing on stderr; CI twice saw one print nothing at all, so how it ended is shown whole.
    for (const r of [verified, listed]) expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(verified.stdout).toMatch(/intact — \d+ segments, 0 gaps, \d+ checkpoints, manifest signature valid/);

    const rows = JSON.parse(listed.stdout) as { id: string; segments: number; state: string; gaps: number }[];
    expect(rows).toEqual([expect.objectContaining({ id: recording!.id, segments: recording!.segment_count, state: 'closed', gaps: 0 })]);
  });
});
