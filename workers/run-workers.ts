/**
 * Starts this process's workers: the queue consumer running the job handlers, with what the
 * handlers are given. `liuhen up` calls it for in-process workers, `liuhen worker` for a worker
 * node.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '../server/core.ts';
import { type JobConsumer, startJobConsumer } from '../server/queue/job-queue.ts';
import type { JobHandlers } from './job-handler.ts';
import { jobRunner } from './run-job.ts';
import { workerDepsOf } from './worker-deps.ts';

/** `handlers` defaults to the registry (handlers.ts); tests may run others. */
export async function startWorkers(core: Core, handlers?: JobHandlers): Promise<JobConsumer> {
  const { config } = core;
  const workDir = path.join(config.dataDir, 'work');
  fs.mkdirSync(workDir, { recursive: true, mode: 0o750 });
  const log = core.log.child({ part: 'workers' });
  const deps = workerDepsOf(core, workDir, log);
  // Loaded only where workers run: a server node whose workers run elsewhere never loads the handlers.
  const registry = handlers ?? (await import('./handlers.ts')).jobHandlers;
  return startJobConsumer(await core.queueSettings.current(), jobRunner(registry, deps), log);
}
