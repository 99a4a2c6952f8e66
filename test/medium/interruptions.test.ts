/**
 * 001 §12: a recording may be interrupted only for technical reasons, and then it shows. A camera
 * that drops and comes back inside the grace window continues its recording with a gap entry;
 * one that comes back later starts a new recording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { publish } from '../helpers/publisher.ts';
import { entriesOf, recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const GRACE_SECONDS = 8;
let server: RunningServer;
let env: Record<string, string>;

beforeAll(async () => {
  env = await testEnv({ LIUHEN_GRACE_SECONDS: String(GRACE_SECONDS) });
  server = await startTestServer(env);
});
afterAll(async () => server?.stop());

/** Publishes, stops, waits `pauseSeconds` after the server saw the stop, publishes again. */
async function publishTwice(badge: string, pauseSeconds: number) {
  const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: badge }, 'test');
  const url = server.publishUrl(device.id, credential);
  expect(await publish(url, 6).exited).toBe(0);
  await waitFor('the server to see the camera leave', async () => (await recordingsOf(server.core.db, device.id))[0]?.state === 'interrupted');
  await sleep(pauseSeconds * 1000);
  expect(await publish(url, 6).exited).toBe(0);
  return device;
}

// The two wait out their pauses and the grace window side by side: each has a camera of its own.
describe.concurrent('a camera that stops and publishes again', () => {
  it('within the grace window continues the same recording, the pause a gap entry with its cause', async () => {
    const device = await publishTwice('P1', 5);
    const [recording] = await waitForClosed(server.core.db, device.id, 1);
    expect(recording!.gap_count).toBe(1);

    const entries = await entriesOf(server.core.db, recording!.id);
    const gaps = entries.filter((e) => e.kind === 'gap');
    expect(gaps).toHaveLength(1);
    const gap = gaps[0]!;
    expect(gap.cause).toBe('device_disconnect');
    // The gap covers the pause: it starts where the segment before it ends and ends where the next starts.
    const before = entries[gap.idx - 2]!;
    const after = entries[gap.idx]!;
    expect(before.kind).toBe('segment');
    expect(after.kind).toBe('segment');
    expect(Date.parse(gap.start_at)).toBe(Date.parse(before.start_at) + before.duration_ms);
    expect(Date.parse(gap.start_at) + gap.duration_ms).toBe(Date.parse(after.start_at));
    expect(gap.duration_ms).toBeGreaterThanOrEqual(5_000);
    expect(entries.filter((e) => e.kind === 'segment').length).toBeGreaterThanOrEqual(5);

    const verified = await runCli(['verify', recording!.id], env);
    expect(verified.stdout).toMatch(/intact — \d+ segments, 1 gaps/);
    expect(verified.code).toBe(0);
  });

  it('after the grace window starts a second recording', async () => {
    const device = await publishTwice('P2', GRACE_SECONDS + 2);
    const recordings = await waitForClosed(server.core.db, device.id, 2);
    expect(recordings.map((r) => r.gap_count)).toEqual([0, 0]);
    expect(Date.parse(recordings[1]!.started_at)).toBeGreaterThan(Date.parse(recordings[0]!.ended_at!));
    for (const verified of await Promise.all(recordings.map((r) => runCli(['verify', r.id], env)))) expect(verified.code).toBe(0);
  });
});
