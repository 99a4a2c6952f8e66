/**
 * A recording's retention over HTTP (issue 17): its category, period, hold and expiry, and the
 * custodian's legal hold, placed and lifted with a reason. The unit's custodian decides
 * (policy.ts mayKeep); refusals and acts are audited (server/retention/legal-hold.ts).
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import { recordingIdSchema } from '../ids.ts';
import { defaultAnalyticsUnit, mayReadAnalytics } from '../policy/analytics-policy.ts';
import { mayKeep } from '../policy/policy.ts';
import { type Holder, holdInputSchema } from '../retention/legal-hold.ts';
import { EXPIRING_WITHIN_DAYS, GROWTH_DAYS } from '../retention/retention-report.ts';
import { unitSchema } from '../units.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const idParam = z.object({ id: recordingIdSchema });

export const retentionViewSchema = z
  .object({
    recordingId: z.string(),
    category: z.enum(['unlinked', 'case', 'hold']).describe('hold above case above unlinked'),
    state: z.enum(['kept', 'expiring', 'expired']),
    keptUntil: z.string().nullable().describe('null while it cannot be dated: held, linked to a case not yet archived, not yet ended'),
    hold: z.object({ reason: z.string(), by: z.string(), at: z.string() }).strict().nullable(),
    expiry: z
      .object({ rule: z.string(), periodEndedAt: z.string(), startedAt: z.string(), completedAt: z.string().nullable(), objects: z.number().int(), bytes: z.number().int() })
      .strict()
      .nullable(),
  })
  .strict();

export const holdChangeSchema = z
  .object({ recordingId: z.string(), held: z.boolean(), reason: z.string(), at: z.string(), objects: z.number().int().describe('objects the store now holds or released') })
  .strict();

export const retentionReportSchema = z
  .object({
    at: z.string(),
    rows: z.array(
      z.object({ unit: z.string(), category: z.enum(['unlinked', 'case', 'hold', 'expired']), recordings: z.number().int(), bytes: z.number().describe('kept; for `expired`, freed') }).strict(),
    ),
    expiring: z.array(z.object({ unit: z.string(), recordings: z.number().int(), bytes: z.number() }).strict()).describe(`period ending within ${EXPIRING_WITHIN_DAYS} days, or ended`),
    growth: z
      .object({
        days: z.array(z.string()).describe('Beijing days (YYYY-MM-DD), oldest first; the last is today'),
        units: z.array(z.object({ unit: z.string(), bytes: z.array(z.number()).describe('bytes[i]: sealed into the ledger on days[i]') }).strict()),
      })
      .strict()
      .describe(`the bytes sealed each day over the last ${GROWTH_DAYS} days, per unit that sealed any`),
  })
  .strict();

function holderOf(viewer: Viewer, req: Request): Holder {
  return { actor: `user:${viewer.id}`, ...contextOf(req), mayHold: (rec) => mayKeep(viewer, rec) };
}

export function retentionRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  r.use(['/recordings/:id/retention', '/recordings/:id/hold', '/recordings/:id/release', '/retention'], requireAuth(d.auth));
  const onRecording = { caller: 'user', params: idParam } as const;

  route(
    {
      ...onRecording,
      method: 'get',
      path: '/recordings/:id/retention',
      summary: "the recording's retention category, period, legal hold and expiry (custodian)",
      responses: { 200: retentionViewSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const rec = await d.repos.recordings.get(input.params.id);
      await enforce(d.audit, req, viewer, mayKeep(viewer, rec), 'recording.retention', rec.id);
      res.json(await d.retention.of(rec.id));
    },
  );

  route(
    {
      method: 'get',
      path: '/retention/report',
      summary: `bytes per unit and retention category, and what expires within ${EXPIRING_WITHIN_DAYS} days (readers of analytics)`,
      caller: 'user',
      query: z.object({ unit: unitSchema.optional() }).strict(),
      responses: { 200: retentionReportSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const unit = input.query.unit ?? defaultAnalyticsUnit(viewer);
      await enforce(d.audit, req, viewer, mayReadAnalytics(viewer, unit), 'retention.report');
      res.json(await d.retention.report(unit));
    },
  );

  for (const [path, act, summary] of [
    ['/recordings/:id/hold', 'hold', 'a legal hold on every object of the recording, with a reason (custodian): kept until released'],
    ['/recordings/:id/release', 'release', "the legal hold lifted, with a reason (custodian): the recording's period applies again"],
  ] as const) {
    route({ ...onRecording, method: 'post', path, summary, body: holdInputSchema, responses: { 200: holdChangeSchema } }, async (input, req, res) => {
      const { viewer } = authOf(res);
      // The raw body: the policy decides before the input is read (legal-hold.ts), as elsewhere.
      res.json(await d.retention[act](input.params.id, req.body, holderOf(viewer, req)));
    });
  }
  return r;
}
