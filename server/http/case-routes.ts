/**
 * Cases over HTTP, addressed by id (the case number travels in bodies). Every route decides by
 * case-policy.ts first (refusals audited); the service audits the acts and the state refusals.
 */
import type { AuditAction } from '../audit/audit-actions.ts';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import {
  actionIdSchema,
  actionSchema,
  annotationSchema,
  atSchema,
  caseIdSchema,
  createCaseSchema,
  gapNoteSchema,
  linkSchema,
  memberSchema,
  reasonSchema,
  stageEventSchema,
} from '../cases/case-input.ts';
import { recordingIdSchema } from '../ids.ts';
import { NOT_RECORDED_REASONS, RECORDING_RULES, WRITTEN_REASON_CLAUSES } from '../cases/recording-rules.ts';
import type { Case } from '../db/schema.ts';
import type { Decision } from '../policy/policy.ts';
import { type CaseFacts, mayAddMember, mayAnnotateCase, mayArchiveCase, mayEditCase, mayNoteGap, mayReadCase } from '../policy/case-policy.ts';
import { contract, doneSchema } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { actionRulesSchema, annotatedSchema, archivedSchema, caseCreatedSchema, caseDetailSchema, caseListSchema, caseVerificationSchema, createdSchema, findingsSchema } from './case-responses.ts';
import { contextOf } from './request-context.ts';

const caseParam = z.object({ id: caseIdSchema });
const actionParams = z.object({ id: caseIdSchema, actionId: actionIdSchema });
const gapParams = z.object({ id: recordingIdSchema, idx: z.coerce.number().int().positive().max(10_000_000) });

export function caseRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  const { cases } = d;
  r.use(['/cases', '/action-rules', '/recordings/:id/gaps'], requireAuth(d.auth));

  const by = (req: Request, viewer: Viewer) => ({ actor: `user:${viewer.id}`, ...contextOf(req) });

  /** The case of the URL, after the policy's decision on it (a refusal audited as `action`). */
  const allowed = async (req: Request, id: string, viewer: Viewer, decide: (v: Viewer, c: CaseFacts) => Decision, action: AuditAction): Promise<Case> => {
    const c = await cases.load(id);
    const viewerIsMember = await cases.isMember(c.id, viewer.badge);
    await enforce(d.audit, req, viewer, decide(viewer, { unit: c.unit, viewerIsMember }), action, c.id);
    return c;
  };
  /** A route about one case, its id in the path. */
  const onCase = { caller: 'user', params: caseParam } as const;

  route(
    { method: 'get', path: '/action-rules', summary: 'the recording rules of each action kind, with the clauses that say so', caller: 'user', responses: { 200: actionRulesSchema } },
    (_input, _req, res) => {
      res.json({ rules: RECORDING_RULES, notRecordedReasons: NOT_RECORDED_REASONS, writtenReasonClauses: WRITTEN_REASON_CLAUSES });
    },
  );

  route({ method: 'get', path: '/cases', summary: 'the cases the viewer may read, newest first', caller: 'user', responses: { 200: caseListSchema } }, async (_input, _req, res) => {
    res.json({ cases: await d.caseView.list(authOf(res).viewer) });
  });

  route({ method: 'post', path: '/cases', summary: 'a new case', caller: 'user', body: createCaseSchema, responses: { 201: caseCreatedSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    await enforce(d.audit, req, viewer, mayEditCase(viewer, { unit: input.body.unit }), 'case.create');
    const c = await cases.create(input.body, by(req, viewer));
    res.status(201).json({ id: c.id, caseNo: c.case_no });
  });

  route({ ...onCase, method: 'get', path: '/cases/:id', summary: 'one case with everything on it', responses: { 200: caseDetailSchema } }, async (input, req, res) => {
    const c = await allowed(req, input.params.id, authOf(res).viewer, mayReadCase, 'case.read');
    res.json(await d.caseView.detail(c));
  });

  route({ ...onCase, method: 'get', path: '/cases/:id/check', summary: "the case's findings, as of now", responses: { 200: findingsSchema } }, async (input, req, res) => {
    const c = await allowed(req, input.params.id, authOf(res).viewer, mayReadCase, 'case.read');
    res.json({ findings: await d.caseCheck.findings(c.id) });
  });

  route({ ...onCase, method: 'get', path: '/cases/:id/verification', summary: 'the signed case manifest re-read and checked', responses: { 200: caseVerificationSchema } }, async (input, req, res) => {
    const c = await allowed(req, input.params.id, authOf(res).viewer, mayReadCase, 'case.read');
    res.json(await d.caseManifests.verify(c));
  });

  route(
    { ...onCase, method: 'post', path: '/cases/:id/members', summary: 'an officer or a reviewer added to the case', body: memberSchema, responses: { 201: doneSchema } },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      // Who may add depends on the role given: a reviewer is the custodian's to add.
      const { role } = input.body;
      const c = await allowed(req, input.params.id, viewer, (v, facts) => mayAddMember(v, facts, role), 'case.member.add');
      await cases.addMember(c, input.body, by(req, viewer));
      res.status(201).json({});
    },
  );

  route({ ...onCase, method: 'post', path: '/cases/:id/stages', summary: 'a stage started or ended', body: stageEventSchema, responses: { 200: doneSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    await cases.stageEvent(await allowed(req, input.params.id, viewer, mayEditCase, 'case.stage'), input.body, by(req, viewer));
    res.json({});
  });

  route({ ...onCase, method: 'post', path: '/cases/:id/actions', summary: 'an enforcement action of the case', body: actionSchema, responses: { 201: createdSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    const action = await cases.addAction(await allowed(req, input.params.id, viewer, mayEditCase, 'case.action.add'), input.body, by(req, viewer));
    res.status(201).json({ id: action.id });
  });

  route(
    {
      ...onCase,
      method: 'post',
      path: '/cases/:id/actions/:actionId/links',
      summary: "a recording, or a device's window, linked to an action",
      params: actionParams,
      body: linkSchema,
      responses: { 201: createdSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const link = await cases.link(await allowed(req, input.params.id, viewer, mayEditCase, 'case.link'), input.params.actionId, input.body, by(req, viewer));
      res.status(201).json({ id: link.id });
    },
  );

  route(
    {
      ...onCase,
      method: 'post',
      path: '/cases/:id/actions/:actionId/reason',
      summary: 'why an action was not recorded (null clears it)',
      params: actionParams,
      body: reasonSchema,
      responses: { 200: doneSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      await cases.setReason(await allowed(req, input.params.id, viewer, mayEditCase, 'case.reason'), input.params.actionId, input.body, by(req, viewer));
      res.json({});
    },
  );

  route({ ...onCase, method: 'post', path: '/cases/:id/approve-emergency', summary: "an emergency case's approval", body: atSchema, responses: { 200: doneSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    await cases.approveEmergency(await allowed(req, input.params.id, viewer, mayEditCase, 'case.approve'), input.body, by(req, viewer));
    res.json({});
  });

  route(
    { ...onCase, method: 'post', path: '/cases/:id/end', summary: "the act's end: the 30 days to archive run from it", body: atSchema, responses: { 200: doneSchema } },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      await cases.end(await allowed(req, input.params.id, viewer, mayEditCase, 'case.end'), input.body, by(req, viewer));
      res.json({});
    },
  );

  route(
    { ...onCase, method: 'post', path: '/cases/:id/archive', summary: 'the case frozen and its signed manifest stored (custodian)', responses: { 200: archivedSchema } },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      res.json(await cases.archive(await allowed(req, input.params.id, viewer, mayArchiveCase, 'case.archive'), by(req, viewer)));
    },
  );

  route(
    { ...onCase, method: 'post', path: '/cases/:id/annotations', summary: 'a note on the case, archived cases too', body: annotationSchema, responses: { 201: annotatedSchema } },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      res.status(201).json(await cases.annotate(await allowed(req, input.params.id, viewer, mayAnnotateCase, 'case.annotate'), input.body, by(req, viewer)));
    },
  );

  route(
    {
      method: 'post',
      path: '/recordings/:id/gaps/:idx/note',
      summary: "a person's reason for a gap, written once",
      caller: 'user',
      params: gapParams,
      body: gapNoteSchema,
      responses: { 201: doneSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const { id, idx } = input.params;
      const rec = await d.repos.recordings.get(id);
      await enforce(d.audit, req, viewer, mayNoteGap(viewer, { unit: rec.unit, officerBadge: rec.officer_badge }), 'gap.note', rec.id);
      await d.gapNotes.note(rec, idx, input.body, by(req, viewer));
      res.status(201).json({});
    },
  );
  return r;
}
