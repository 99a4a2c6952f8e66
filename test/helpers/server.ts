import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type Config, loadConfig } from '../../server/config.ts';
import { type Core, openCore } from '../../server/core.ts';
import { LiveRecordings } from '../../server/ingest/live-recordings.ts';
import { startServer, type RunningServer } from '../../server/liuhen.ts';
import { Metrics } from '../../server/observability/metrics.ts';
import type { JobHandlers } from '../../workers/job-handler.ts';
import { freePort } from './ports.ts';

/**
 * The data dirs this test file made, removed once its tests and their own afterAll hooks (servers
 * stopped) are done: a full run left ~110 of them (evidence, spool, keys) in /tmp each time. Not
 * at process exit, which vitest's forks never reach (the pool ends them). The benchmarks that
 * borrow these helpers run outside vitest and keep theirs.
 */
const dataDirs = new Set<string>();
if (process.env.VITEST) {
  afterAll(() => {
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** LIUHEN_* settings for a server of its own: temp data dir, free ports, loopback only. */
export async function testEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-test-'));
  dataDirs.add(dataDir);
  return {
    LIUHEN_DATA_DIR: dataDir,
    LIUHEN_RTMP_PORT: String(await freePort()),
    LIUHEN_HTTP_PORT: String(await freePort()),
    LIUHEN_BIND: '127.0.0.1',
    LIUHEN_PUBLIC_HOST: '127.0.0.1',
    LIUHEN_LOG_LEVEL: 'warn',
    LIUHEN_GRACE_SECONDS: '3',
    LIUHEN_CHECKPOINT_SECONDS: '2',
    // Tests share the machine's Redis: each server gets queues of its own, and runs no workers unless it asks.
    LIUHEN_WORKERS: 'off',
    LIUHEN_QUEUE_PREFIX: path.basename(dataDir),
    // Tests make many refused requests from 127.0.0.1 within a minute; the refusal limit has a test of its own.
    LIUHEN_REFUSALS_PER_MINUTE: '100000',
    // Every answer a test gets is held to its route's declared schema: each test calling a route is a contract test too.
    LIUHEN_RESPONSE_CHECK: 'refuse',
    // scrypt at 1/32 of the product's cost: the suite signs in and changes passwords some thousand
    // times (test/unit/config.test.ts holds the product's own cost to 15).
    LIUHEN_PASSWORD_COST: '10',
    ...overrides,
  };
}

export function configFrom(env: Record<string, string>): Config {
  return loadConfig(env);
}

/** `jobHandlers`: what in-process workers (`LIUHEN_WORKERS: 'in-process'`) run instead of the registry. */
export async function startTestServer(env: Record<string, string>, jobHandlers?: JobHandlers, options?: Parameters<typeof startServer>[2]): Promise<RunningServer> {
  return startServer(configFrom(env), jobHandlers, options);
}

/** What fileCore gives a test file: its core and settings, there once its tests run. */
export interface FileCore {
  core: Core;
  env: Record<string, string>;
}

/** A core of the test file's own, without a server: opened before its tests; closed, and its data dir removed, after them. */
export function fileCore(): FileCore {
  const own = {} as FileCore;
  beforeAll(async () => {
    own.env = await testEnv();
    own.core = await openCore(configFrom(own.env));
  }, 60_000);
  afterAll(async () => {
    await own.core?.close();
    if (own.env) fs.rmSync(own.env.LIUHEN_DATA_DIR!, { recursive: true, force: true });
  });
  return own;
}

/** Node `nodeId`'s live recordings on this machine, over the test file's core and spool: a node started again, to recover its spool. */
export function nodeOnThisMachine(own: FileCore, nodeId: string): LiveRecordings {
  const settings = {
    spoolDir: configFrom(own.env).spoolDir,
    ffmpegPath: 'ffmpeg',
    cutter: 'in-process' as const,
    segmentSeconds: 2,
    graceSeconds: 3,
    checkpointSeconds: 2,
    stopDrainSeconds: 10,
    rolloverSeconds: 3600,
    clockDriftMs: 60_000,
    nodeId,
    host: os.hostname(),
  };
  return new LiveRecordings(own.core.repos, own.core.sealer, settings, pino({ level: 'silent' }), new Metrics(), own.core.clock);
}
