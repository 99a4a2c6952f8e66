import { Router } from 'express';
import { z } from 'zod';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { Job, Recording } from '../db/schema.ts';
import { mayReadJobs } from '../policy/policy.ts';
import type { ApiDeps } from './api-deps.ts';
import { contract } from './api-contract.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';

const jobsQuery = z.object({ subject: z.string().regex(/^(rec|exp)-[a-z0-9]{1,40}$/) });
/** Every job of a recording: one per segment, an hour of 2 s segments is 1800. */
const MAX_JOBS = 5000;

/** The recording a subject is, or the one an export was made of: its facts decide who may look. */
async function recordingOf(recordings: RecordingRepository, subject: string): Promise<Recording> {
  const id = (await recordings.exportedRecordingId(subject)) ?? subject;
  return recordings.get(id, subject);
}

const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    progress: z.number().describe('0–100'),
    runs: z.number().int(),
    error: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .strict();

const present = (j: Job) => ({ id: j.id, kind: j.kind, state: j.state, progress: j.progress, runs: j.runs, error: j.error, createdAt: j.created_at, updatedAt: j.updated_at });

export function jobRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  route(
    {
      method: 'get',
      path: '/jobs',
      summary: 'the jobs of a recording or an export',
      caller: 'user',
      guard: requireAuth(d.auth),
      query: jobsQuery,
      responses: { 200: z.object({ jobs: z.array(jobSchema) }).strict() },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const { subject } = input.query;
      const rec = await recordingOf(d.repos.recordings, subject);
      await enforce(d.audit, req, viewer, mayReadJobs(viewer, rec), 'jobs.read', subject);
      res.json({ jobs: (await d.jobRows.newest({ subject, limit: MAX_JOBS })).map(present) });
    },
  );
  return r;
}
