/**
 * One measured run: a liuhen node over a fresh PostgreSQL database, a fresh Object Lock bucket on
 * the local Ceph RGW (through a counting proxy) and a Redis of its own, idle first (what a node
 * costs with no camera), then N cameras publishing, then until every recording is closed and, with
 * workers, every job is done (or the drain time is up).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { cephS3, createLockedBucket, randomBucketName, rawS3Client } from '../../test/helpers/ceph.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { privateRedis } from '../../test/helpers/redis.ts';
import { startLiuhen } from '../ingest/liuhen-target.ts';
import { startPublishers } from '../ingest/publishers.ts';
import { watchMachine, watchTree, type TreeUsage } from '../lib/process-tree.ts';
import { bucketContents, openQueue, pgCounts, pgDelta, redisCounts, type PgCounts, type RedisCounts, type StoredClass } from './cost-meters.ts';
import { startS3CountingProxy, type S3Counts } from './s3-counting-proxy.ts';

const ADMIN = process.env.LIUHEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** after `liuhen up` says it is up: the first heartbeat, the leader's first turn */
const SETTLE_SECONDS = 3;
/** PostgreSQL flushes a backend's counters about once a second, and at its exit */
const PG_FLUSH_MS = 2000;
const WARMUP_SECONDS = 8;

export type Workers = 'off' | 'in-process';

export interface RunOptions {
  cameras: number;
  seconds: number;
  idleSeconds: number;
  drainSeconds: number;
  workers: Workers;
  clip: string;
}

interface Snapshot {
  at: number;
  pg: PgCounts;
  /** statements the bench itself ran in the run's database: each is a commit there */
  ownCommits: number;
  redis: RedisCounts;
  s3: S3Counts;
}

export interface Usage {
  seconds: number;
  pg: PgCounts;
  redisCommands: number;
  s3Requests: Record<string, number>;
  s3BytesUp: number;
}

export interface RunResult {
  workers: Workers;
  cameras: number;
  /** media seconds the cameras sent, all together */
  cameraSeconds: number;
  segments: number;
  recordings: number;
  gaps: number;
  /** the node with no camera, for `idle.seconds` */
  idle: Usage & { tree: TreeUsage };
  /** from the first camera to every recording closed (and jobs drained), the node's idle rate not taken off */
  busy: Usage;
  /** CPU and PSS of the node's process tree: publishing after the warm-up, and over the whole busy span */
  steady: TreeUsage & { machineBusyPercent: number };
  whole: TreeUsage & { cpuSeconds: number };
  drained: boolean;
  jobs: Record<string, Record<string, number>>;
  bullmq: Record<string, number>;
  stored: Record<'originals' | 'derivatives' | 'ledger', StoredClass>;
}

function usage(a: Snapshot, b: Snapshot): Usage {
  const s3Requests: Record<string, number> = {};
  for (const [k, n] of Object.entries(b.s3.requests)) if (n - (a.s3.requests[k] ?? 0) > 0) s3Requests[k] = n - (a.s3.requests[k] ?? 0);
  const pg = pgDelta(a.pg, b.pg);
  pg.commits -= b.ownCommits - a.ownCommits;
  return { seconds: (b.at - a.at) / 1000, pg, redisCommands: b.redis.commands - a.redis.commands, s3Requests, s3BytesUp: b.s3.bytesUp - a.s3.bytesUp };
}

async function waitUntil(what: () => Promise<boolean>, seconds: number): Promise<boolean> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end; await sleep(1000)) if (await what()) return true;
  return what();
}

export async function costRun(o: RunOptions): Promise<RunResult> {
  const ceph = await cephS3();
  const database = `liuhen_bench_costs_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const dbUrl = new URL(ADMIN);
  dbUrl.pathname = `/${database}`;
  const bucket = await createLockedBucket(ceph, randomBucketName('liuhen-bench-costs'));
  const redis = await privateRedis();
  const proxy = await startS3CountingProxy(ceph.endpoint);
  const s3 = rawS3Client(ceph);
  const queue = openQueue(redis.url, 'bench');
  const run = new pg.Client({ connectionString: dbUrl.toString() });
  try {
    const target = await startLiuhen(
      o.cameras,
      { rtmp: await freePort(), http: await freePort() },
      {
        LIUHEN_DATABASE_URL: dbUrl.toString(),
        LIUHEN_STORE: 's3',
        LIUHEN_S3_ENDPOINT: proxy.endpoint,
        LIUHEN_S3_REGION: ceph.region,
        LIUHEN_S3_BUCKET: bucket,
        LIUHEN_S3_ACCESS_KEY_ID: ceph.accessKeyId,
        LIUHEN_S3_SECRET_ACCESS_KEY: ceph.secretAccessKey,
        LIUHEN_RETENTION_DAYS: '1',
        LIUHEN_RETENTION_UNLINKED_DAYS: '1',
        LIUHEN_REDIS_URL: redis.url,
        LIUHEN_QUEUE_PREFIX: 'bench',
        LIUHEN_WORKERS: o.workers,
      },
    );
    await run.connect();
    let ownCommits = 0;
    const snapshot = async (): Promise<Snapshot> => {
      ownCommits++;
      return { at: Date.now(), pg: await pgCounts(admin, run, database), ownCommits, redis: await redisCounts(redis.url, queue), s3: proxy.counts() };
    };
    const count = async (q: string) => {
      ownCommits++;
      return Number((await run.query<{ n: string }>(q)).rows[0]!.n);
    };

    await sleep(SETTLE_SECONDS * 1000);
    const idleTree = watchTree(target.pid);
    const s0 = await snapshot();
    await sleep(o.idleSeconds * 1000);
    const s1 = await snapshot();
    const idleUsage = idleTree.stop();

    const whole = watchTree(target.pid);
    const started = Date.now();
    const publishers = await startPublishers(o.clip, target.urls);
    await sleep(WARMUP_SECONDS * 1000);
    const steady = watchTree(target.pid);
    const machine = watchMachine();
    await sleep(Math.max(0, o.seconds * 1000 - (Date.now() - started)));
    const steadyUsage = steady.stop();
    const machineBusyPercent = machine.stop();
    await publishers.stop();

    const closed = () => count("SELECT count(*) AS n FROM recordings WHERE state <> 'closed'").then((n) => n === 0);
    const idleJobs = () => count("SELECT count(*) AS n FROM jobs WHERE state IN ('waiting', 'active')").then((n) => n === 0);
    const drained = (await waitUntil(closed, o.drainSeconds)) && (o.workers === 'off' || (await waitUntil(idleJobs, o.drainSeconds)));
    const wholeUsage = whole.stop();
    const wholeSeconds = (Date.now() - started) / 1000;

    const segments = await count("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'segment'");
    const gaps = await count("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'gap'");
    const recordings = await count('SELECT count(*) AS n FROM recordings');
    const jobs: Record<string, Record<string, number>> = {};
    ownCommits++;
    for (const r of (await run.query<{ kind: string; state: string; n: string }>('SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state')).rows) {
      (jobs[r.kind] ??= {})[r.state] = Number(r.n);
    }
    // The node's last writes (its stop) and its backends' counters flushed at their exit.
    await target.stop();
    await sleep(PG_FLUSH_MS);
    const s2 = { ...(await snapshot()), at: started + wholeSeconds * 1000 };

    return {
      workers: o.workers,
      cameras: o.cameras,
      cameraSeconds: publishers.sentSeconds(),
      segments,
      recordings,
      gaps,
      idle: { ...usage(s0, s1), tree: idleUsage },
      busy: usage({ ...s1, at: started }, s2),
      steady: { ...steadyUsage, machineBusyPercent },
      whole: { ...wholeUsage, cpuSeconds: (wholeUsage.cpuPercent / 100) * wholeSeconds },
      drained,
      jobs,
      bullmq: (await redisCounts(redis.url, queue)).jobs,
      stored: await bucketContents(s3, bucket),
    };
  } finally {
    await run.end().catch(() => undefined);
    await queue.close();
    await redis.stop();
    await proxy.close();
    s3.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}
