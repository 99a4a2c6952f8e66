/**
 * Sealing never waits on Redis. A private redis-server (no persistence: stopped, it forgets every
 * job it held) goes away while a camera publishes; every segment is still sealed, the jobs wait
 * in the database outbox, and once Redis is back every job runs exactly once — those Redis had
 * been given before it went away included. A job that cannot succeed fails visibly.
 *
 * The workers here run handlers of the test's own that do real work on the evidence (re-hash a
 * sealed segment from the store, re-verify a closed recording), and count their runs.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { Db } from '../../server/db/database.ts';
import type { Job } from '../../server/db/schema.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import { RecordingVerification } from '../../server/ledger/verify.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import type { JobHandlers } from '../../workers/job-handler.ts';
import { startWorkers } from '../../workers/run-workers.ts';
import { runCli } from '../helpers/cli.ts';
import { publish } from '../helpers/publisher.ts';
import { waitForClosed } from '../helpers/recordings.ts';
import { type PrivateRedis, privateRedis } from '../helpers/redis.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { apiFetch } from '../helpers/http.ts';
import { signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

/** Handlers that do real work and count how often each job ran. */
function countingHandlers(): { handlers: JobHandlers; runs: Map<string, number> } {
  const runs = new Map<string, number>();
  const ran = (jobId: string) => runs.set(jobId, (runs.get(jobId) ?? 0) + 1);
  const handlers: JobHandlers = {
    'segment.live': async () => {
      throw new Error('this test watches no feed live');
    },
    'segment.derive': async ({ recordingId, idx }, ctx, deps) => {
      ran(ctx.jobId);
      const bytes = await deps.store.get(objectKeys.segment(recordingId, idx));
      await ctx.progress(50);
      const entry = (await deps.repos.recordings.entry(recordingId, idx))!;
      return { sha256: sha256Hex(bytes), matchesLedger: sha256Hex(bytes) === entry.sha256 };
    },
    'recording.derive': async ({ recordingId }, ctx, deps) => {
      ran(ctx.jobId);
      return { intact: (await new RecordingVerification(deps.repos.recordings, deps.store).check(recordingId)).ok };
    },
    'export.party_copy': async () => {
      throw new Error('this test makes no exports');
    },
    'export.package': async () => {
      throw new Error('this test makes no exports');
    },
    'recording.redact': async () => {
      throw new Error('this test makes no redactions');
    },
  };
  return { handlers, runs };
}

const jobsOf = (db: Db): Promise<Job[]> => db.selectFrom('jobs').selectAll().orderBy('created_at').execute();
const pendingOutbox = async (db: Db) => (await db.selectFrom('outbox').select('id').where('enqueued_at', 'is', null).execute()).length;

function expectEachRanOnce(jobs: Job[], runs: Map<string, number>): void {
  for (const j of jobs) {
    expect(j.state, `${j.kind} ${j.id}: ${j.error}`).toBe('completed');
    expect(j.runs, `${j.kind} ${j.id} runs`).toBe(1);
    expect(runs.get(j.id), `${j.kind} ${j.id} handler calls`).toBe(1);
    expect(JSON.parse(j.result!)).toMatchObject(j.kind === 'segment.derive' ? { matchesLedger: true } : { intact: true });
  }
}

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await privateRedis();
});
afterAll(async () => redis?.stop());

describe('the job queue when Redis goes away', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('a camera publishing 16 s while Redis is away for 8 s: every segment sealed, then every job run exactly once', async () => {
    const { handlers, runs } = countingHandlers();
    const env = await testEnv({ LIUHEN_REDIS_URL: redis.url, LIUHEN_WORKERS: 'in-process' });
    server = await startTestServer(env, handlers);
    const { db, devices } = server.core;
    const { device, credential } = await devices.add({ kind: 'bodycam', officerBadge: 'Q1001', unit: 'u1' }, 'test');
    const segments = async () => (await db.selectFrom('recordings').select('segment_count').where('device_id', '=', device.id).executeTakeFirst())?.segment_count ?? 0;

    const camera = publish(server.publishUrl(device.id, credential), 16);
    await sleep(4000);
    await redis.stop();
    const sealedBefore = await segments();
    await sleep(8000);
    // While Redis was away: sealing went on, the jobs waited in the outbox, the server answered.
    expect(await segments()).toBeGreaterThanOrEqual(sealedBefore + 3);
    expect(await pendingOutbox(db)).toBeGreaterThanOrEqual(3);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).status).toBe(200);
    await redis.start();

    expect(await camera.exited, camera.stderr()).toBe(0);
    const [recording] = await waitForClosed(db, device.id);
    expect(recording!.gap_count).toBe(0);
    expect(recording!.duration_ms).toBeGreaterThan(15_000);
    expect(recording!.duration_ms).toBeLessThan(17_500);

    // Jobs that cannot succeed: segments that were never sealed.
    const missingRecording = 'rec-nosuchrecording';
    await server.core.repos.jobs.enqueue('segment.derive', { recordingId: missingRecording, idx: 1 }, missingRecording);
    const missingSegment = await server.core.repos.jobs.enqueue('segment.derive', { recordingId: recording!.id, idx: 999 }, recording!.id);

    const jobs = await waitFor(
      'every job to finish',
      async () => {
        const all = await jobsOf(db);
        return (await pendingOutbox(db)) === 0 && all.every((j) => j.state === 'completed' || j.state === 'failed') ? all : undefined;
      },
      30_000,
    );
    const [failed, succeeded] = [jobs.filter((j) => j.state === 'failed'), jobs.filter((j) => j.state !== 'failed')];
    expect(succeeded.filter((j) => j.kind === 'segment.derive')).toHaveLength(recording!.segment_count);
    expect(succeeded.filter((j) => j.kind === 'recording.derive')).toHaveLength(1);
    expectEachRanOnce(succeeded, runs);
    // Not retried: no retry finds an object that was never written.
    expect(failed.map((j) => [j.subject, j.runs]).sort()).toEqual(
      [
        [missingRecording, 1],
        [recording!.id, 1],
      ].sort(),
    );

    const custodian = await signedInUser(server, 'custodian', 'u1', 'q-custodian');
    const reviewer = await signedInUser(server, 'reviewer', 'u1', 'q-reviewer');
    const jobsApi = (as: { accessToken: string }) => apiFetch(server!.httpPort, as, `jobs?subject=${recording!.id}`);
    const listed = await jobsApi(custodian);
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { jobs: { id: string; kind: string; state: string; progress: number; runs: number; error: string | null }[] };
    expect(body.jobs).toHaveLength(recording!.segment_count + 2);
    expect(body.jobs.find((j) => j.id === missingSegment)).toMatchObject({ kind: 'segment.derive', state: 'failed', runs: 1, error: expect.stringMatching(/not found.*000999\.ts/) });
    expect(body.jobs.filter((j) => j.state === 'completed').every((j) => j.progress === 100)).toBe(true);
    expect((await jobsApi(reviewer)).status).toBe(403);

    await server.stop();
    server = undefined;
    const verified = await runCli(['verify', recording!.id], env);
    expect(verified.stdout).toMatch(/intact — \d+ segments, 0 gaps, \d+ checkpoints, manifest signature valid/);
    expect(verified.code).toBe(0);
    const listedByCli = await runCli(['jobs', '--subject', missingRecording, '--json'], env);
    expect(listedByCli.code, listedByCli.stderr).toBe(0);
    expect(JSON.parse(listedByCli.stdout)).toMatchObject([{ kind: 'segment.derive', state: 'failed', runs: 1, error: expect.stringMatching(/not found/) }]);
  }, 90_000);

  it('jobs Redis was given and then forgot (restarted empty) run once; jobs already done do not run again', async () => {
    const { handlers, runs } = countingHandlers();
    const env = await testEnv({ LIUHEN_REDIS_URL: redis.url });
    server = await startTestServer(env);
    const { db, devices, sealer } = server.core;
    const { device } = await devices.add({ kind: 'bodycam', officerBadge: 'Q1002', unit: 'u1' }, 'test');
    const sealRecording = async (name: string) => {
      const rec = await sealer.openRecording(device, new Date());
      for (const i of [1, 2]) await sealer.sealSegment(rec.id, { bytes: randomBytes(4096), startAt: new Date(Date.now() + i * 2000), durationMs: 2000, source: `${name}/${i}.ts` });
      await sealer.close(rec.id);
      // Closing again (as after a crash mid-close) asks for nothing more.
      await sealer.close(rec.id);
    };
    const handedToRedis = () => waitFor('the outbox handed to Redis', async () => (await pendingOutbox(db)) === 0, 10_000);

    await sealRecording('first');
    expect(await jobsOf(db)).toHaveLength(3);
    let workers = await startWorkers(server.core, handlers);
    await waitFor('the first recording’s jobs done', async () => (await jobsOf(db)).every((j) => j.state === 'completed'), 15_000);
    await workers.close();

    await sealRecording('second');
    await handedToRedis();
    expect((await jobsOf(db)).filter((j) => j.state === 'waiting')).toHaveLength(3);
    await redis.stop();
    await redis.start();

    workers = await startWorkers(server.core, handlers);
    try {
      const jobs = await waitFor(
        'every job done',
        async () => {
          const all = await jobsOf(db);
          return all.length === 6 && all.every((j) => j.state === 'completed') ? all : undefined;
        },
        15_000,
      );
      expectEachRanOnce(jobs, runs);
    } finally {
      await workers.close();
    }
  }, 60_000);

  it('a job that fails is retried after a backoff, and shows its error while it waits', async () => {
    const { handlers, runs } = countingHandlers();
    const derive = handlers['segment.derive'];
    // The first run of each segment's job meets a transient fault.
    handlers['segment.derive'] = async (payload, ctx, deps) => {
      if (!runs.has(ctx.jobId)) {
        runs.set(ctx.jobId, 1);
        throw new Error('transcoder busy');
      }
      return derive(payload, ctx, deps);
    };
    server = await startTestServer(await testEnv({ LIUHEN_REDIS_URL: redis.url, LIUHEN_WORKERS: 'in-process' }), handlers);
    const { db, devices, sealer } = server.core;
    const { device } = await devices.add({ kind: 'bodycam', officerBadge: 'Q1003', unit: 'u1' }, 'test');
    const rec = await sealer.openRecording(device, new Date());
    await sealer.sealSegment(rec.id, { bytes: randomBytes(4096), startAt: new Date(), durationMs: 2000, source: 'retry/1.ts' });
    const segmentJob = () => db.selectFrom('jobs').selectAll().where('kind', '=', 'segment.derive').executeTakeFirstOrThrow();

    const waiting = await waitFor('the failed run recorded', async () => ((await segmentJob()).runs === 1 && (await segmentJob()).state === 'waiting' ? segmentJob() : undefined), 10_000, 50);
    expect(waiting.error).toBe('transcoder busy');
    const done = await waitFor('the retry', async () => ((await segmentJob()).state === 'completed' ? segmentJob() : undefined), 15_000);
    expect(done).toMatchObject({ runs: 2, error: null, progress: 100 });
    expect(runs.get(done.id)).toBe(2);
  }, 30_000);
});
