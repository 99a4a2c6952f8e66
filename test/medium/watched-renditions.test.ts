/**
 * The wall's renditions only for watched feeds (issue 18, item 3): a commander loading a device's
 * live playlist through the real API marks it watched in the database; the real sealer then asks
 * for a segment.live job for each segment of that device only, and segment.derive (thumbnail,
 * marks) for every segment of every device. The jobs run through the real job runner (the jobs
 * table records each outcome; the queue between them is queue-outage.test.ts's) with real ffmpeg.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { LiveWatch, WATCHED_FOR_MS } from '../../server/playback/live-watch.ts';
import { LIVE_WINDOW_SEGMENTS } from '../../server/playback/playlist.ts';
import { jobHandlers } from '../../workers/handlers.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { jobRunner } from '../../workers/run-job.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { apiFetch } from '../helpers/http.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

let server: RunningServer;
let deps: WorkerDeps;
let watched: Recording;
let unwatched: Recording;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-watched-'));

const jobsOf = (recordingId: string) =>
  server.core.db
    .selectFrom('jobs')
    .innerJoin('outbox', 'outbox.id', 'jobs.id')
    .select(['jobs.id', 'jobs.kind', 'jobs.state', 'jobs.result', 'outbox.payload'])
    .where('jobs.subject', '=', recordingId)
    .orderBy('jobs.id')
    .execute();
const kindsMade = async (recordingId: string, idx: number) =>
  (await server.core.db.selectFrom('derivatives').select('kind').where('recording_id', '=', recordingId).where('idx', '=', idx).orderBy('kind').execute()).map((d) => d.kind);

const segmentJobsOf = async (recordingId: string) => (await jobsOf(recordingId)).filter((j) => j.kind.startsWith('segment.'));
const sealedAt = async (recordingId: string, idx: number) => Date.parse((await server.core.repos.recordings.entry(recordingId, idx))!.sealed_at);

/**
 * Runs a job the sealer asked for as a worker would, its row in the jobs table kept up to date,
 * `afterMs` after its segment was sealed (a worker keeping up: one second).
 */
async function run(job: { id: string; kind: string; payload: string }, afterMs = 1000) {
  const { recordingId, idx } = JSON.parse(job.payload) as { recordingId: string; idx: number };
  const at = (await sealedAt(recordingId, idx)) + afterMs;
  return jobRunner(jobHandlers, { ...deps, clock: { now: () => new Date(at) } })({ id: job.id, kind: job.kind, data: JSON.parse(job.payload), lastAttempt: true });
}

beforeAll(async () => {
  server = await startTestServer(await testEnv());
  const { core } = server;
  deps = workerDepsOf(core, scratch);
  const onWall = (await core.devices.add({ kind: 'bodycam', officerBadge: 'W1', unit: 'u1' }, 'test')).device;
  const offWall = (await core.devices.add({ kind: 'bodycam', officerBadge: 'W2', unit: 'u1' }, 'test')).device;
  const commander = await signedInUser(server, 'commander', 'u1', 'C1');
  const clip = preparedClip({ seconds: 6, size: '640x360' });
  const created = await apiFetch(server.httpPort, commander, 'playback-sessions', { deviceId: onWall.id });
  expect(created.status).toBe(201);
  const { playlistUrl } = (await created.json()) as { playlistUrl: string };
  expect((await fetch(`http://127.0.0.1:${server.httpPort}${playlistUrl}`)).status).toBe(200);
  [watched, unwatched] = [await sealClip(core, onWall, clip), await sealClip(core, offWall, clip)];
}, 120_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('a live playlist loaded through the API', () => {
  it('marks its device watched for a while, in the database every node shares', async () => {
    const rows = await server.core.db.selectFrom('live_watches').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.device_id).toBe(watched.device_id);
    expect(Date.parse(rows[0]!.watched_until)).toBeGreaterThan(Date.parse(watched.ended_at!) - 60_000);
  });

  it('writes at most once per device every few seconds on one node, however often viewers load it', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const watch = new LiveWatch(server.core.repos.liveWatches, { now: () => new Date(now) });
    const until = async () => (await server.core.db.selectFrom('live_watches').select('watched_until').where('device_id', '=', 'dev-throttle').executeTakeFirstOrThrow()).watched_until;
    await watch.seen('dev-throttle');
    const first = await until();
    expect(Date.parse(first)).toBe(now + WATCHED_FOR_MS);
    now += 1000;
    for (let i = 0; i < 20; i++) await watch.seen('dev-throttle');
    expect(await until()).toBe(first);
    now += 5000;
    await watch.seen('dev-throttle');
    expect(Date.parse(await until())).toBe(now + WATCHED_FOR_MS);
  });
});

describe('the sealer and the workers', () => {
  it("ask for an unwatched camera's marks and thumbnails, and no wall rendition", async () => {
    const jobs = await segmentJobsOf(unwatched.id);
    expect(jobs.map((j) => j.kind)).toEqual(Array(unwatched.segment_count).fill('segment.derive'));
    for (const job of jobs) await run(job);
    for (let idx = 1; idx <= unwatched.segment_count; idx++) expect(await kindsMade(unwatched.id, idx), `segment ${idx}`).toEqual(['mark_a', 'mark_b', 'thumb']);
  });

  it("make a watched camera's wall rendition as well, except of a segment no longer in the live window, which is skipped and says so", async () => {
    const jobs = await segmentJobsOf(watched.id);
    const live = jobs.filter((j) => j.kind === 'segment.live');
    expect(live).toHaveLength(watched.segment_count);
    expect(jobs.filter((j) => j.kind === 'segment.derive')).toHaveLength(watched.segment_count);

    // A worker that takes segment 1's job only once six segments' time has passed since it was sealed.
    const first = live.find((j) => JSON.parse(j.payload).idx === 1)!;
    expect(await run(first, LIVE_WINDOW_SEGMENTS * deps.segmentSeconds * 1000 + 1000)).toMatchObject({ made: [], skipped: 'past_live_window' });
    const row = await server.core.repos.jobs.get(first.id);
    expect(row.state).toBe('completed');
    expect(JSON.parse(row.result!)).toMatchObject({ made: [], skipped: 'past_live_window' });

    for (const job of jobs.filter((j) => j.id !== first.id)) await run(job);
    expect(await kindsMade(watched.id, 1)).toEqual(['mark_a', 'mark_b', 'thumb']);
    for (let idx = 2; idx <= watched.segment_count; idx++) expect(await kindsMade(watched.id, idx), `segment ${idx}`).toEqual(['mark_a', 'mark_b', 'r360', 'thumb']);
    for (const job of await segmentJobsOf(watched.id)) expect(job.state, `${job.kind} ${job.payload}`).toBe('completed');
  });

  it('skip a wall rendition whose viewers have all gone', async () => {
    const id = await server.core.repos.jobs.enqueue('segment.live', { recordingId: unwatched.id, idx: 1 }, unwatched.id);
    expect(await run({ id, kind: 'segment.live', payload: JSON.stringify({ recordingId: unwatched.id, idx: 1 }) })).toMatchObject({ made: [], skipped: 'not_watched' });
    expect(await kindsMade(unwatched.id, 1)).not.toContain('r360');
  });
});
