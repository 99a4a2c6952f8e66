/**
 * Two installations on the machine's one Redis. With default settings each gets queues of its own,
 * and every job of each runs exactly once, in its own installation. Forced onto one prefix (an
 * operator's mistake), a worker handed the other installation's job leaves it in the queue and says
 * so, and the job still runs once where it belongs.
 *
 * The handlers re-hash the sealed segment from their own installation's store: a job run in the
 * wrong installation fails there, and each run is counted under the installation that ran it.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { Db } from '../../server/db/database.ts';
import type { Job } from '../../server/db/schema.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import type { JobConsumer } from '../../server/queue/job-queue.ts';
import type { JobHandlers } from '../../workers/job-handler.ts';
import { startWorkers } from '../../workers/run-workers.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** job id → the installations that ran it, in order */
type Runs = Map<string, string[]>;

function countingHandlers(installation: string, runs: Runs): JobHandlers {
  const refuse = async () => {
    throw new Error('this test asks only for segment renditions');
  };
  return {
    'segment.live': refuse,
    'segment.derive': async ({ recordingId, idx }, ctx, deps) => {
      runs.set(ctx.jobId, [...(runs.get(ctx.jobId) ?? []), installation]);
      const bytes = await deps.store.get(objectKeys.segment(recordingId, idx));
      const entry = (await deps.repos.recordings.entry(recordingId, idx))!;
      return { matchesLedger: sha256Hex(bytes) === entry.sha256 };
    },
    'recording.derive': refuse,
    'export.party_copy': refuse,
    'export.package': refuse,
    'recording.redact': refuse,
  };
}

/** The environment of an installation left to its defaults: testEnv names a prefix, so take it out. */
async function defaultQueueEnv(overrides: Record<string, string>): Promise<Record<string, string>> {
  const { LIUHEN_QUEUE_PREFIX: _, ...env } = await testEnv({ LIUHEN_REDIS_URL: REDIS_URL, ...overrides });
  return env;
}

/** Seals `count` segments of a new recording; the sealer asks for one rendition job per segment. */
async function sealSegments(server: RunningServer, badge: string, count: number): Promise<string[]> {
  const { devices, sealer, db } = server.core;
  const { device } = await devices.add({ kind: 'bodycam', officerBadge: badge, unit: 'u1' }, 'test');
  const rec = await sealer.openRecording(device, new Date());
  for (let i = 1; i <= count; i++) await sealer.sealSegment(rec.id, { bytes: randomBytes(4096), startAt: new Date(Date.now() + i * 2000), durationMs: 2000, source: `${badge}/${i}.ts` });
  return (await db.selectFrom('jobs').select('id').where('subject', '=', rec.id).execute()).map((j) => j.id);
}

const jobsOf = (db: Db, ids: string[]): Promise<Job[]> => db.selectFrom('jobs').selectAll().where('id', 'in', ids).execute();

const allCompleted = (db: Db, ids: string[], what: string) =>
  waitFor(
    what,
    async () => {
      const jobs = await jobsOf(db, ids);
      return jobs.length === ids.length && jobs.every((j) => j.state === 'completed') ? jobs : undefined;
    },
    // Alone they finish in seconds; beside the whole suite on two cores, a worker starting takes long.
    90_000,
  );

function expectRanOnceIn(jobs: Job[], installation: string, runs: Runs): void {
  for (const j of jobs) {
    expect(j.runs, `${j.id} runs`).toBe(1);
    expect(runs.get(j.id), `${j.id} ran in`).toEqual([installation]);
    expect(JSON.parse(j.result!)).toEqual({ matchesLedger: true });
  }
}

/** A pino logger whose lines the test reads. */
function capturingLogger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('installations sharing one Redis', () => {
  const servers: RunningServer[] = [];
  const prefixes = new Set<string>();
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    for (const s of servers.splice(0)) await s.stop();
    // The machine's Redis outlives the test: leave nothing of ours in it.
    for (const prefix of prefixes) {
      const queue = new Queue('jobs', { connection: { url: REDIS_URL }, prefix });
      await queue.obliterate({ force: true });
      await queue.close();
    }
    prefixes.clear();
  });

  it('with default settings each gets a queue of its own, and every job of each runs exactly once, at home', async () => {
    const runs: Runs = new Map();
    const a = await startTestServer(await defaultQueueEnv({ LIUHEN_WORKERS: 'in-process' }), countingHandlers('A', runs));
    servers.push(a);
    const b = await startTestServer(await defaultQueueEnv({ LIUHEN_WORKERS: 'in-process' }), countingHandlers('B', runs));
    servers.push(b);
    const [prefixA, prefixB] = await Promise.all([a, b].map(async (s) => (await s.core.queueSettings.current()).prefix));
    prefixes.add(prefixA!).add(prefixB!);
    expect(prefixA).toMatch(/^liuhen-[0-9a-f]{12}$/);
    expect(prefixB).toMatch(/^liuhen-[0-9a-f]{12}$/);
    expect(prefixA).not.toBe(prefixB);

    const [idsA, idsB] = await Promise.all([sealSegments(a, 'S1001', 8), sealSegments(b, 'S1002', 8)]);
    expectRanOnceIn(await allCompleted(a.core.db, idsA, 'installation A’s jobs done'), 'A', runs);
    expectRanOnceIn(await allCompleted(b.core.db, idsB, 'installation B’s jobs done'), 'B', runs);

    // Neither queue ever held the other's jobs.
    const queueB = new Queue('jobs', { connection: { url: REDIS_URL }, prefix: prefixB });
    try {
      expect((await Promise.all(idsA.map((id) => queueB.getJob(id)))).filter(Boolean)).toEqual([]);
    } finally {
      await queueB.close();
    }
  }, 240_000);

  it('forced onto one prefix, a job handed to the wrong installation is left in the queue, logged as foreign, and runs once at home', async () => {
    const prefix = `shared-${randomBytes(6).toString('hex')}`;
    prefixes.add(prefix);
    const runs: Runs = new Map();
    // No in-process workers: the test starts them, B's first, so that A's jobs reach only B.
    const a = await startTestServer(await testEnv({ LIUHEN_REDIS_URL: REDIS_URL, LIUHEN_QUEUE_PREFIX: prefix }));
    servers.push(a);
    const b = await startTestServer(await testEnv({ LIUHEN_REDIS_URL: REDIS_URL, LIUHEN_QUEUE_PREFIX: prefix }));
    servers.push(b);
    const bLog = capturingLogger();
    let workersB: JobConsumer | undefined = await startWorkers({ ...b.core, log: bLog.log }, countingHandlers('B', runs));
    stops.push(async () => workersB?.close());

    const idsA = await sealSegments(a, 'S2001', 3);
    const foreign = () => bLog.lines.filter((l) => l.msg?.toString().startsWith('foreign job'));
    await waitFor('B to set aside each of A’s jobs', () => idsA.every((id) => foreign().some((l) => l.job === id)), 20_000);
    expect(foreign()[0]).toMatchObject({ level: 40, prefix, kind: 'segment.derive', returns: 1 });

    // Not acknowledged: Redis still holds each job as pending, A's rows still wait, and B ran none.
    const queue = new Queue('jobs', { connection: { url: REDIS_URL }, prefix });
    try {
      for (const id of idsA) expect(await queue.getJobState(id)).toMatch(/^(delayed|waiting|prioritized|active)$/);
    } finally {
      await queue.close();
    }
    for (const j of await jobsOf(a.core.db, idsA)) expect(j).toMatchObject({ state: 'waiting', runs: 0 });
    expect(idsA.filter((id) => runs.has(id))).toEqual([]);

    // B's own jobs run in B meanwhile.
    const idsB = await sealSegments(b, 'S2002', 3);
    expectRanOnceIn(await allCompleted(b.core.db, idsB, 'installation B’s jobs done'), 'B', runs);

    // The operator stops B; A's workers come up and A's jobs, kept by the queue all along, run at home.
    await workersB.close();
    workersB = undefined;
    const workersA = await startWorkers(a.core, countingHandlers('A', runs));
    stops.push(() => workersA.close());
    expectRanOnceIn(await allCompleted(a.core.db, idsA, 'installation A’s jobs done'), 'A', runs);
  }, 240_000);
});
