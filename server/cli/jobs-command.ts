import type { Job } from '../db/schema.ts';
import type { Core } from '../core.ts';
import { EXIT } from './exit-codes.ts';

/** Without a subject, the newest jobs: a camera alone asks for one every segment. */
const NEWEST = 200;
/** A recording's jobs, every one (an hour of 2 s segments is 1800). */
const ALL_OF_SUBJECT = 100_000;

const present = (j: Job) => ({
  id: j.id,
  kind: j.kind,
  subject: j.subject,
  state: j.state,
  progress: j.progress,
  runs: j.runs,
  error: j.error,
  createdAt: j.created_at,
  updatedAt: j.updated_at,
});

export async function jobsList(core: Core, subject: string | undefined, json: boolean): Promise<number> {
  const jobs = (await core.jobRows.newest({ subject, limit: subject === undefined ? NEWEST : ALL_OF_SUBJECT })).map(present);
  if (json) {
    process.stdout.write(JSON.stringify(jobs, null, 2) + '\n');
    return EXIT.ok;
  }
  process.stdout.write('id\tkind\tsubject\tstate\tprogress\truns\terror\n');
  for (const j of jobs) process.stdout.write(`${j.id}\t${j.kind}\t${j.subject ?? '-'}\t${j.state}\t${j.progress}%\t${j.runs}\t${j.error ?? '-'}\n`);
  return EXIT.ok;
}
