/**
 * The wall's renditions have a queue and a worker slot of their own (server/queue/job-queue.ts):
 * a segment.live job asked for while the one ordinary slot is busy with replay work runs at once,
 * not after it. Real Redis, the real outbox relay and in-process workers, whose handlers here are
 * the test's own: segment.derive holds its slot until the test lets go, segment.live only says it ran.
 */
import { afterAll, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import type { JobHandlers } from '../../workers/job-handler.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer | undefined;
afterAll(async () => server?.stop());

it('runs a live rendition while a replay encode holds the only other worker slot', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const started: string[] = [];
  const refuse = async () => {
    throw new Error('this test asks only for segment jobs');
  };
  const handlers: JobHandlers = {
    'segment.derive': async (_payload, ctx) => {
      started.push(ctx.jobId);
      await held;
      return { made: [] };
    },
    'segment.live': async () => ({ made: [] }),
    'recording.derive': refuse,
    'export.party_copy': refuse,
    'export.package': refuse,
    'recording.redact': refuse,
  };
  server = await startTestServer(await testEnv({ LIUHEN_WORKERS: 'in-process', LIUHEN_WORKER_CONCURRENCY: '1' }), handlers);
  const jobs = server.core.repos.jobs;
  const replay = await jobs.enqueue('segment.derive', { recordingId: 'rec-held', idx: 1 }, 'rec-held');
  await waitFor('the replay encode to take the slot', () => started.includes(replay));
  const live = await jobs.enqueue('segment.live', { recordingId: 'rec-held', idx: 2 }, 'rec-held');
  await waitFor('the live rendition to be done', async () => (await jobs.get(live)).state === 'completed', 30_000);
  expect((await jobs.get(replay)).state).toBe('active');
  release();
  await waitFor('the replay encode to be done', async () => (await jobs.get(replay)).state === 'completed', 30_000);
});
