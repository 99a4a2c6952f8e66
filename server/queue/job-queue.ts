/**
 * The one door to BullMQ and Redis. Jobs are asked for through the database outbox (JobRepository.enqueue);
 * this module only hands them to Redis (the producer, used by the outbox relay) and runs them
 * (the consumer). Redis being away is an ordinary state here: the producer fails at once so the
 * relay keeps its rows, both sides reconnect in the background for as long as it takes, and an
 * outage is logged once when it begins and once when it ends.
 */
import { DelayedError, isNotConnectionError, type Job, Queue, RedisConnection, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { JobKind } from '../db/schema.ts';

/** With the prefix resolved (queue-prefix.ts): BullMQ's own default would be every installation's. */
export type QueueConfig = Config['queue'] & { prefix: string };

/** One queue for every kind, priorities putting exports before replay work… */
const QUEUE_NAME = 'jobs';
/**
 * …but the wall's renditions, in a queue of their own with a worker slot of their own: one is
 * worth making only within seconds of its segment being sealed (workers/segment-live.ts), and
 * must not wait for a slot to finish minutes of replay encodes.
 */
const LIVE_QUEUE_NAME = 'live';
const queueNameOf = (kind: JobKind) => (kind === 'segment.live' ? LIVE_QUEUE_NAME : QUEUE_NAME);
const RECONNECT_MS = 1000;
/** how long a stop waits for the queue's connection to a Redis that never answered */
const ABSENT_CLOSE_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;
/** A job fails for good after 5 runs, 2, 4, 8 and 16 s apart. */
const ATTEMPTS = 5;
const BACKOFF_MS = 2000;
/**
 * The jobs table keeps the history. Redis keeps finished jobs for a day so that a jobId added
 * again (a relay that crashed before marking its row, or the lost-job check) is still recognised
 * as done and not run twice.
 */
const KEEP_COMPLETED = { age: 24 * 3600, count: 10_000 };
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 10_000 };
/** How long a shutting-down worker waits for Redis to record the outcome of its last job. */
const RECORD_GRACE_MS = 3000;
/** A foreign job is set aside about 1, 2, 4 … s, at most a minute, each time it comes back. */
const FOREIGN_DELAY_MS = 1000;
const FOREIGN_DELAY_MAX_MS = 60_000;

const connection = (url: string) => ({ url, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => RECONNECT_MS });

/** Redis's address without any password in it, for log lines. */
function redisAddress(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
}

/** Refused connections, closed sockets, timeouts: Redis is away, which the outage log already says. */
function isOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return !isNotConnectionError(err) || ['ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code ?? '') || /Stream isn't writeable/.test(err.message);
}

export interface OutgoingJob {
  /** the outbox id: BullMQ adds a jobId only once */
  id: string;
  kind: JobKind;
  payload: unknown;
  priority: number;
}

export interface JobProducer {
  /** whether Redis answered last */
  readonly up: boolean;
  /** called each time Redis answers after being away, and when it first answers */
  onUp(listener: () => void): void;
  /** adds each job under its id; a job whose id Redis already holds is left as it is */
  add(jobs: OutgoingJob[]): Promise<void>;
  /** the ids Redis holds no job for */
  missing(ids: string[]): Promise<string[]>;
  close(): Promise<void>;
}

export function openJobProducer(q: QueueConfig, log: Logger): JobProducer {
  const open = (name: string) =>
    new Queue(name, {
      // No offline queue: an add while Redis is away fails now instead of waiting for it.
      connection: { ...connection(q.redisUrl), enableOfflineQueue: false },
      prefix: q.prefix,
      // Start without Redis: waiting for it here would hold up the server's start.
      skipWaitingForReady: true,
      skipVersionCheck: true,
      defaultJobOptions: { attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS }, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
    });
  const queue = open(QUEUE_NAME);
  const liveQueue = open(LIVE_QUEUE_NAME);
  const where = redisAddress(q.redisUrl);
  const listeners: (() => void)[] = [];
  let up = false;
  let away = false;
  let closing = false;
  const gone = () => {
    up = false;
    if (away || closing) return;
    away = true;
    log.warn({ redis: where }, 'job queue unreachable; jobs wait in the database until Redis answers');
  };
  for (const each of [queue, liveQueue])
    each.on('error', (err) => {
      if (up && !isOutage(err)) log.error({ err }, 'job queue error');
    });
  // Up once both queues' connections are ready: an add or a lookup on one still connecting would fail.
  const connected = new Set<Queue>();
  for (const each of [queue, liveQueue]) {
    each.client.then(
      (client) => {
        const ready = () => {
          connected.add(each);
          if (connected.size < 2) return;
          up = true;
          if (away) log.info({ redis: where }, 'job queue reachable again');
          away = false;
          for (const listener of listeners) listener();
        };
        client.on('ready', ready);
        client.on('close', () => {
          connected.delete(each);
          gone();
        });
        if (client.status === 'ready') ready();
      },
      (err: unknown) => log.error({ err }, 'job queue could not start'),
    );
  }

  return {
    get up() {
      return up;
    },
    onUp: (listener) => void listeners.push(listener),
    add: async (jobs) => {
      for (const [each, name] of [
        [queue, QUEUE_NAME],
        [liveQueue, LIVE_QUEUE_NAME],
      ] as const) {
        const these = jobs.filter((j) => queueNameOf(j.kind) === name);
        if (these.length > 0) await each.addBulk(these.map((j) => ({ name: j.kind, data: j.payload, opts: { jobId: j.id, priority: j.priority } })));
      }
    },
    missing: async (ids) => {
      const found = await Promise.all(ids.map(async (id) => (await queue.getJob(id)) ?? (await liveQueue.getJob(id))));
      return ids.filter((_, i) => !found[i]);
    },
    close: async () => {
      closing = true;
      // A polite QUIT needs Redis to answer; without it, just drop the connection. BullMQ's
      // disconnect first waits for a client that was ever ready: with a Redis never reached that
      // wait has no end, and a stop must not hang on it.
      try {
        if (up) await Promise.all([queue.close(), liveQueue.close()]);
        else await Promise.race([Promise.all([queue.disconnect(), liveQueue.disconnect()]), sleep(ABSENT_CLOSE_MS)]);
      } catch (err) {
        // A connection caught half-way (its ready check refused because the stream is already
        // closing) rejects the close with the outage's error; the connection is gone either way,
        // and a stop must go on to close the rest.
        if (!isOutage(err)) log.error({ err }, 'job queue did not close cleanly');
      }
    },
  };
}

export interface RedisProbe {
  /** resolves when Redis answers PING */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A connection of its own for /readyz: a PING must not wait behind job traffic, nor add to it. */
export function openRedisProbe(redisUrl: string): RedisProbe {
  // A PING asked while connecting waits for the connection; one asked while Redis is away fails
  // after the next reconnect attempt (the caller's timeout bounds both).
  const conn = new RedisConnection({ ...connection(redisUrl), maxRetriesPerRequest: 1 }, { blocking: false, skipVersionCheck: true, skipWaitingForReady: true });
  // Redis being away is what ping() reports; the producer's outage log already says it once.
  conn.on('error', () => {});
  return {
    ping: async () => {
      try {
        await (await conn.client).runCommand('ping', []);
      } catch (e) {
        throw new Error(`no answer from Redis at ${redisAddress(redisUrl)}: ${(e as Error).message}`);
      }
    },
    // Forced: a polite QUIT would wait for an absent Redis.
    close: () => conn.close(true),
  };
}

/** A job as the consumer hands it to its runner; `data` is outside input (it came back from Redis). */
export interface ReceivedJob {
  id: string;
  kind: string;
  data: unknown;
  /** no retry follows if this run fails */
  lastAttempt: boolean;
}

/** Thrown by a runner when retrying cannot help (bad payload, a subject that does not exist). */
export class JobGivenUp extends Error {}

/** Thrown by a runner when this installation's database has no row for the job: it is another's. */
export class ForeignJob extends Error {}

export interface JobConsumer {
  /** stops taking jobs, lets the ones in hand finish, then disconnects */
  close(): Promise<void>;
}

export function startJobConsumer(q: QueueConfig, run: (job: ReceivedJob) => Promise<unknown>, log: Logger): JobConsumer {
  let stopping = false;
  /** per job in hand: resolves once Redis has recorded its outcome, or a while after it ended when Redis is away */
  const inHand = new Map<string, { recorded: () => void; settled: Promise<void> }>();

  /**
   * Another installation's job, on a prefix both were given. Completing or failing it would lose
   * it for its owner, and moveToWait would hand it straight back to this worker. In the delayed set
   * it stays the queue's, uncounted as an attempt (moveToDelayed skips it), until a worker takes it
   * again: its own installation's runs it, any other sets it aside once more. Each return
   * (attemptsStarted counts them; attemptsMade does not move) doubles the delay, so a job no
   * installation owns costs little; the jitter keeps jobs set aside together from falling due
   * together. While the prefix stays shared, homecoming is a matter of chance: the warning is for
   * the operator, whose fix is the prefix.
   */
  const setAside = async (job: Job, token?: string) => {
    const returns = Math.max(1, job.attemptsStarted - job.attemptsMade);
    const delay = Math.round(Math.min(FOREIGN_DELAY_MS * 2 ** (returns - 1), FOREIGN_DELAY_MAX_MS) * (0.5 + Math.random()));
    await job.moveToDelayed(Date.now() + delay, token);
    log.warn({ prefix: q.prefix, job: job.id, kind: job.name, returns, retryInMs: delay }, 'foreign job: not in this installation’s database; left in the queue for its own installation');
  };

  const processor = async (job: Job, token?: string) => {
    const id = job.id!;
    // A fetch already under way when the worker paused may still deliver a job: hand it back untouched.
    if (stopping) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    let recorded!: () => void;
    let ended!: () => void;
    const wasRecorded = new Promise<void>((resolve) => (recorded = resolve));
    const hasEnded = new Promise<void>((resolve) => (ended = resolve));
    const settled = hasEnded.then(() => Promise.race([wasRecorded, new Promise<void>((resolve) => setTimeout(resolve, RECORD_GRACE_MS).unref())])).then(() => void inHand.delete(id));
    inHand.set(id, { recorded, settled });
    try {
      return await run({ id, kind: job.name, data: job.data, lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
    } catch (e) {
      if (e instanceof ForeignJob) {
        await setAside(job, token);
        recorded();
        throw new DelayedError();
      }
      throw e instanceof JobGivenUp ? new UnrecoverableError(e.message) : e;
    } finally {
      ended();
    }
  };
  const outcome = (job: Job | undefined) => void (job?.id && inHand.get(job.id)?.recorded());
  const workers = [
    { name: QUEUE_NAME, concurrency: q.concurrency },
    { name: LIVE_QUEUE_NAME, concurrency: 1 },
  ].map(({ name, concurrency }) => {
    const worker = new Worker(name, processor, {
      // Blocking commands must wait out an outage rather than fail.
      connection: { ...connection(q.redisUrl), maxRetriesPerRequest: null },
      prefix: q.prefix,
      concurrency,
      runRetryDelay: RECONNECT_MS,
    });
    worker.on('completed', outcome);
    worker.on('failed', outcome);
    worker.on('error', (err) => {
      if (!isOutage(err)) log.error({ err }, 'job worker error');
    });
    return worker;
  });

  return {
    close: async () => {
      stopping = true;
      await Promise.all(workers.map((w) => w.pause(true)));
      await Promise.all([...inHand.values()].map((j) => j.settled));
      // Forced: a graceful close sends QUIT and would wait for an absent Redis forever.
      await Promise.all(workers.map((w) => w.close(true)));
    },
  };
}
