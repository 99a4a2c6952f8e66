/**
 * Runs one job a worker received: checks its kind and payload (they come back from Redis, outside
 * input), keeps its row in the jobs table up to date, and calls its handler. Failures that no
 * retry can mend — a malformed payload, a recording or object that does not exist — fail the job
 * at once; anything else is retried with backoff by the queue.
 */
import { z, ZodError } from 'zod';
import type { JobKind } from '../server/db/schema.ts';
import { LiuhenError } from '../server/errors.ts';
import { JOB_KINDS, jobPayloads } from '../server/queue/job-kinds.ts';
import { ForeignJob, JobGivenUp, type ReceivedJob } from '../server/queue/job-queue.ts';
import type { JobContext, JobHandlers, WorkerDeps } from './job-handler.ts';

const jobKind = z.enum(JOB_KINDS as [JobKind, ...JobKind[]]);

// An integrity failure (stored bytes no longer hash to the ledger) is for a person, not a retry.
const cannotMend = (e: unknown) => e instanceof ZodError || (e instanceof LiuhenError && (e.code.endsWith('not_found') || e.code === 'integrity' || e.code === 'recording_not_closed'));

function callHandler<K extends JobKind>(handlers: JobHandlers, kind: K, data: unknown, ctx: JobContext, deps: WorkerDeps) {
  return handlers[kind](jobPayloads[kind].parse(data), ctx, deps);
}

export function jobRunner(handlers: JobHandlers, deps: WorkerDeps): (job: ReceivedJob) => Promise<unknown> {
  const { log } = deps;
  const jobs = deps.repos.jobs;
  return async (job) => {
    const start = await jobs.startRun(job.id);
    // Only a job this database knows to be done may be acknowledged without running: one it has
    // never heard of is another installation's, and acknowledging it would lose it there.
    if (start === 'foreign') throw new ForeignJob(`job ${job.id} is not in this installation's database`);
    if (start === 'finished') {
      log.info({ job: job.id }, 'job delivered again after it finished; not run twice');
      return undefined;
    }
    const ctx: JobContext = { jobId: job.id, progress: (percent) => jobs.recordProgress(job.id, percent) };
    try {
      const result = await callHandler(handlers, jobKind.parse(job.kind), job.data, ctx, deps);
      await jobs.recordCompleted(job.id, result);
      return result;
    } catch (e) {
      const message = e instanceof ZodError ? `invalid job: ${e.issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; ')}` : e instanceof Error ? e.message : String(e);
      const final = cannotMend(e) || job.lastAttempt;
      await jobs.recordFailure(job.id, message, final);
      log.warn({ job: job.id, kind: job.kind, final, err: e }, final ? 'job failed' : 'job failed; it will be retried');
      throw cannotMend(e) ? new JobGivenUp(message) : e;
    }
  };
}
