/**
 * `liuhen export package|party-copy <recordingId> … --out <file>`: asks for the export as the
 * operator, follows its job with a progress bar on stderr, then writes the stored file to --out
 * and prints its sha256 the way sha256sum does. A worker does the work (`liuhen up` runs them).
 */
import fs from 'node:fs/promises';
import { z } from 'zod';
import type { Export, Job } from '../db/schema.ts';
import { InvalidInput } from '../errors.ts';
import { ExportNotFound } from '../exports/export-requests.ts';
import type { Core } from '../core.ts';
import { writeHashed } from '../storage/stream-hash.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

const POLL_MS = 300;
/** Long enough for a worker to pick a job up; then say why nothing moves. */
const NO_WORKER_HINT_MS = 10_000;

export const exportFlagsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('package'), recordingId: z.string().min(1, 'give a recording id'), out: z.string({ required_error: 'give --out <file>' }).min(1) }),
  z.object({
    kind: z.literal('party_copy'),
    recordingId: z.string().min(1, 'give a recording id'),
    out: z.string({ required_error: 'give --out <file>' }).min(1),
    recipient: z.string({ required_error: 'give --recipient <name>' }),
    approvalNo: z.string({ required_error: 'give --approval <number> (审批编号)' }),
  }),
]);
export type ExportFlags = z.input<typeof exportFlagsSchema>;

/** The worker gave up: not the operator's input, so not a LiuhenError (exit 3). */
class ExportFailed extends Error {
  constructor(exportId: string, error: string | null) {
    super(`export ${exportId} failed: ${error ?? 'no reason given'}`);
  }
}

export async function exportCommand(core: Core, input: ExportFlags): Promise<number> {
  const { recordingId, out, ...request } = exportFlagsSchema.parse(input);
  // Refused before any work is done: a finished export is never written over a file.
  if (
    await fs.access(out).then(
      () => true,
      () => false,
    )
  )
    throw new InvalidInput(`${out} exists; give --out a new file`);
  const recording = await core.repos.recordings.get(recordingId);
  const { exportId, jobId } = await core.exportRequests.create(recording, request, { actor: CLI_ACTOR });
  process.stderr.write(`export ${exportId} (job ${jobId}) of ${recordingId}\n`);

  const { exp, objectKey } = await follow(core, exportId, jobId);
  // Streamed to the file, hashed on the way: a package of hours is never held whole.
  const { sha256, size } = await writeHashed(await core.store.getStream(objectKey), out).catch(async (e: unknown) => {
    // A disk that filled or a store that failed half-way leaves no partial file behind; one that was there first is not ours.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await fs.rm(out, { force: true });
    throw e;
  });
  if (sha256 !== exp.sha256) {
    await fs.rm(out, { force: true });
    process.stderr.write(`export ${exportId}: the stored file ${objectKey} does not hash to its record; nothing kept\n`);
    return EXIT.verifyFailed;
  }
  await core.audit.record({
    actor: CLI_ACTOR,
    action: 'export.download',
    subject: recordingId,
    outcome: 'ok',
    sessionId: exportId,
    object: objectKey,
    bytes: size,
    detail: { exportId, kind: exp.kind, sha256: exp.sha256, file: out },
  });
  process.stdout.write(`${exp.sha256}  ${out}\n`);
  return EXIT.ok;
}

/** Polls the job until the export's file is stored; draws the bar on the way. */
async function follow(core: Core, exportId: string, jobId: string): Promise<{ exp: Export; objectKey: string }> {
  const bar = progressBar(process.stderr);
  const since = performance.now();
  let hinted = false;
  let lastError: string | null = null;
  const { jobs, exports } = core.repos;
  for (;;) {
    const job: Job = await jobs.get(jobId);
    const exp = await exports.find(exportId);
    if (!exp) throw new ExportNotFound(exportId);
    if (exp.object_key) {
      bar.draw(100, 'completed');
      bar.end();
      return { exp, objectKey: exp.object_key };
    }
    if (job.state === 'failed') {
      bar.end();
      throw new ExportFailed(exportId, job.error);
    }
    // A run that failed goes back to waiting for its retry, with its error kept.
    if (job.error && job.error !== lastError) bar.note(`a run failed, to be retried: ${job.error}`);
    lastError = job.error;
    bar.draw(job.progress, job.state);
    if (!hinted && job.state === 'waiting' && performance.now() - since > NO_WORKER_HINT_MS) {
      hinted = true;
      bar.note('still waiting for a worker: is `liuhen up` (or `liuhen worker`) running? Ctrl-C leaves the export to finish later');
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A redrawn bar on a terminal; a line per 10 % (and per state change) in a log. */
function progressBar(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY;
  let lastTenth = -1;
  let lastState = '';
  return {
    draw(percent: number, state: string) {
      const p = Math.max(0, Math.min(100, Math.round(percent)));
      if (tty) {
        const filled = Math.round(p / 2.5);
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(40 - filled)}] ${String(p).padStart(3)} % ${state.padEnd(9)}`);
        return;
      }
      const tenth = Math.floor(p / 10);
      if (tenth === lastTenth && state === lastState) return;
      lastTenth = tenth;
      lastState = state;
      stream.write(`${String(p).padStart(3)} % ${state}\n`);
    },
    note(text: string) {
      stream.write(`${tty ? '\n' : ''}${text}\n`);
    },
    end() {
      if (tty) stream.write('\n');
    },
  };
}
